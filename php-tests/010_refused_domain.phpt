--TEST--
A domain RunCloud refuses: WU_RunCloud_Exception with status 422, RunCloud's message and field errors; an existing one is a success
--FILE--
<?php
require __DIR__ . '/sim.inc';
sim_reset();
define_v3();
$i = integration();
sim_fault(['method' => 'POST', 'path_contains' => '/domains', 'status' => 422,
    'body' => '{"message":"The given data was invalid.","errors":{"name":["The name is on another web application."]}}']);
try {
    $i->add_domain('taken.example.com');
} catch (WU_RunCloud_Exception $e) {
    var_dump($e->getStatusCode(), $e->getCode());
    echo $e->getMessage(), "\n";
    var_dump($e->getErrors());
    var_dump($e instanceof RuntimeException, $e->getLine() > 0, basename($e->getFile()));
}
var_dump(in_array('taken.example.com', sim_names()));
sim_add('there.example.com');
$r = $i->add_domain('there.example.com');
var_dump($r['created']);
sim_fault(['method' => 'GET', 'status' => 403, 'body' => '{"message":"This action is unauthorized."}']);
show_throw(fn() => $i->list_domains());
sim_fault(['method' => 'GET', 'status' => 500, 'body' => '<html><body>Oops</body></html>', 'content_type' => 'text/html']);
show_throw(fn() => $i->find_domain('x.example.com'));
?>
--EXPECTF--
int(422)
int(422)
adding taken.example.com to web application 201: RunCloud answered HTTP 422: The given data was invalid. (name: The name is on another web application.)
array(1) {
  ["name"]=>
  array(1) {
    [0]=>
    string(39) "The name is on another web application."
  }
}
bool(true)
bool(true)
string(%d) "010_refused_domain.php"
bool(false)
bool(false)
WU_RunCloud_Exception [403]: listing the domains of web application 201 (page 1): RunCloud answered HTTP 403: This action is unauthorized. RunCloud refused this request for these credentials: check that the server and the web application belong to the workspace or account of the token (or key), and that it may manage them. SSL features such as AutoSSL and Advanced SSL need RunCloud's Business plan
WU_RunCloud_Exception [500]: listing the domains of web application 201 (page 1): RunCloud answered HTTP 500: (an HTML error page, not RunCloud's JSON). RunCloud had a server error; try again later
