# An ECDSA (P-256) certificate: TLS 1.3 or ECDHE-ECDSA suites.
server {
	listen 443 ssl;
	server_name api.example.com;
	ssl_certificate /etc/ssl/certs/api.example.com.pem;
	ssl_certificate_key /etc/ssl/private/api.example.com.key;
	return 200 "ok\n";
}
