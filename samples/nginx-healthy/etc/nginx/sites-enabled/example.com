server {
	listen 80;
	listen [::]:80;
	server_name www.example.com example.com;
	return 301 https://$host$request_uri;
}

server {
	listen 443 ssl http2;
	listen [::]:443 ssl http2;
	server_name www.example.com example.com;

	ssl_certificate /etc/ssl/certs/www.example.com.pem;
	ssl_certificate_key /etc/ssl/private/www.example.com.key;

	location / {
		proxy_pass http://127.0.0.1:8080;
		proxy_set_header Host $host;
		proxy_read_timeout 90s;
	}

	location /static/ {
		root /var/www/example;
		expires 7d;
	}
}
