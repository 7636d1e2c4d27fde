upstream api_backend {
	server 127.0.0.1:9000;
	keepalive 16;
}

server {
	listen 80;
	listen [::]:80;
	server_name api.example.com;
	return 301 https://$host$request_uri;
}

server {
	listen 443 ssl http2;
	listen [::]:443 ssl http2;
	server_name api.example.com;

	ssl_certificate /etc/ssl/certs/api.example.com.pem;
	ssl_certificate_key /etc/ssl/private/api.example.com.key;

	limit_req zone=perip burst=20 nodelay;

	location / {
		proxy_pass http://api_backend;
		proxy_read_timeout 1m30s;
	}

	location /admin/ {
		allow 10.0.0.0/8;
		deny all;
		proxy_pass http://api_backend;
	}

	location ~ \.php$ {
		fastcgi_pass unix:/run/php/php8.2-fpm.sock;
		fastcgi_read_timeout 60s;
	}
}
