--TEST--
A bad domain name is refused with InvalidArgumentException and sends no request
--INI--
wu_runcloud.log=off
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
$i = integration();
foreach (['', '   ', 'https://shop.example.com', 'shop.example.com/path', 'shop.example.com:8080',
          'user@shop.example.com', 'shop example.com', "shop\x07.example.com", '192.0.2.10', '[2001:db8::1]',
          'localhost', '-shop.example.com', 'shop..example.com', str_repeat('a', 64) . '.com',
          'exa_mple.com', '*.example.com', "ev\nil.com"] as $bad) {
    foreach (['add_domain', 'remove_domain', 'find_domain'] as $m) {
        try {
            $i->$m($bad);
            echo "accepted: $m ", json_encode($bad), "\n";
        } catch (InvalidArgumentException $e) {
            if ($m === 'add_domain') echo $e->getMessage(), "\n";
        }
    }
    var_dump($i->on_add_domain($bad, 1) === false && $i->on_remove_subdomain($bad, 1) === false);
}
echo count(sim_requests()), " requests\n";
?>
--EXPECTF--
Invalid domain name "": it is empty
bool(true)
Invalid domain name "   ": it is empty
bool(true)
Invalid domain name "https://shop.example.com": give the host name only, without a scheme such as https://
bool(true)
Invalid domain name "shop.example.com/path": give the host name only, without a path
bool(true)
Invalid domain name "shop.example.com:8080": give the host name only, without a port
bool(true)
Invalid domain name "user@shop.example.com": give the host name only, without a user part
bool(true)
Invalid domain name "shop example.com": it contains spaces
bool(true)
Invalid domain name "shop\u{7}.example.com": it contains control characters
bool(true)
Invalid domain name "192.0.2.10": it is an IP address; RunCloud needs a domain name
bool(true)
Invalid domain name "[2001:db8::1]": it is an IP address; RunCloud needs a domain name
bool(true)
Invalid domain name "localhost": it needs at least two labels, such as example.com
bool(true)
Invalid domain name "-shop.example.com": %s
bool(true)
Invalid domain name "shop..example.com": it has an empty label (two dots in a row, or a leading dot)
bool(true)
Invalid domain name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com": a label is longer than 63 characters
bool(true)
Invalid domain name "exa_mple.com": %s
bool(true)
Invalid domain name "*.example.com": %s
bool(true)
Invalid domain name "ev\u{a}il.com": it contains control characters
bool(true)
0 requests
