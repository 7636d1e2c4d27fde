server {
	listen 80;
	server_name www.example.com example.com;
	return 301 https://$host$request_uri;
}

server {
	listen 443 ssl http2;
	server_name www.example.com example.com;
	ssl_certificate /etc/ssl/certs/www.example.com.pem;
	ssl_certificate_key /etc/ssl/private/www.example.com.key;
	return 200 "ok\n";
}
