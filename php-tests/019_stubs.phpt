--TEST--
php-stubs/wu_runcloud.php matches the extension's real classes, methods, parameters and types
--FILE--
<?php
$src = file_get_contents(__DIR__ . '/../php-stubs/wu_runcloud.php');
// Load the stubs under other names beside the real classes.
$src = str_replace(['class WU_RunCloud_', '<?php'], ['class Stub_WU_RunCloud_', ''], $src);
eval($src);

function describe(ReflectionClass $c): array {
    $out = ['parent' => $c->getParentClass() ? $c->getParentClass()->getName() : null, 'final' => $c->isFinal()];
    foreach ($c->getMethods() as $m) {
        if ($m->getDeclaringClass()->getName() !== $c->getName()) continue;
        $params = array_map(fn(ReflectionParameter $p) => sprintf('%s $%s%s', $p->getType(), $p->getName(),
            $p->isOptional() ? ' = ' . var_export($p->getDefaultValue(), true) : ''), $m->getParameters());
        $out[$m->getName()] = ($m->isStatic() ? 'static ' : '') . '(' . implode(', ', $params) . '): ' . $m->getReturnType();
    }
    ksort($out);
    return $out;
}
$ok = true;
foreach (['WU_RunCloud_Integration', 'WU_RunCloud_Exception'] as $class) {
    $real = describe(new ReflectionClass($class));
    $stub = describe(new ReflectionClass('Stub_' . $class));
    foreach (array_unique(array_merge(array_keys($real), array_keys($stub))) as $k) {
        if (($real[$k] ?? 'MISSING') !== ($stub[$k] ?? 'MISSING')) {
            $ok = false;
            echo "$class::$k\n  extension: ", var_export($real[$k] ?? 'MISSING', true), "\n  stub:      ", var_export($stub[$k] ?? 'MISSING', true), "\n";
        }
    }
    echo $class, ': ', count($real) - 2, " methods compared\n";
}
var_dump($ok);
?>
--EXPECT--
WU_RunCloud_Integration: 27 methods compared
WU_RunCloud_Exception: 2 methods compared
bool(true)
