#!/bin/sh
# The seed files of fuzz target NAME, one a line: the inputs of that format
# in samples/ and ../shared/corpus (read there, never copied into the
# repository). make fuzz starts from them; make check replays them.
# Usage: sh tests/fuzz/seeds.sh NAME (from the top of the tree)
c=../shared/corpus
any() { for d in "$@"; do [ -e "$d" ] && find "$d" -type f -size -1000k; done; return 0; }
case $1 in
iptables) any samples $c/iptables ;;
iptables_xml) any $c/iptables ;;
ipset) any samples ;;
ranges) any ipranges ;;
nft) find samples -path '*nft*' -type f; any $c/nftables ;;
firewalld) find samples -path '*/firewalld/*' -type f; any $c/firewalld/config ;;
nginx) find samples -path '*/nginx/*' -type f; any $c/nginx-gixy ;;
apache) find samples -path '*/apache2/*' -type f -o -path '*/httpd/*' -type f
	any $c/apache-h5bp ;;
htaccess) find samples -name .htaccess; any $c/apache-h5bp/dist $c/apache-h5bp/h5bp ;;
tls) find samples ipranges -name '*.pem' -o -name '*.crt' -o -name '*.key' \
	-o -name '*.der' -o -name '*.crl' ;;
zone) find samples -path '*/dns-*' -name '*.txt' -type f ;;
*) echo "seeds.sh: unknown target $1" >&2; exit 1 ;;
esac
