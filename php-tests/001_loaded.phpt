--TEST--
The module loads under its name and exposes its two classes
--FILE--
<?php
var_dump(extension_loaded('wu_runcloud'));
var_dump(phpversion('wu_runcloud') !== false);
$c = new ReflectionClass('WU_RunCloud_Integration');
var_dump($c->isFinal(), $c->isInternal());
$e = new ReflectionClass('WU_RunCloud_Exception');
var_dump($e->getParentClass()->getName(), $e->isSubclassOf('Exception'));
// A hand-made exception has the defaults.
$x = new WU_RunCloud_Exception('m');
var_dump($x->getStatusCode(), $x->getErrors());
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(true)
string(16) "RuntimeException"
bool(true)
int(0)
array(0) {
}
