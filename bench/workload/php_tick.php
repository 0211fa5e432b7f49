<?php
// Launch workload for PHP tracers: calls tick() every 1 ms until killed.
// tick() reads this file (openat, read, close), so a function probe and a
// syscall made inside a PHP function both fire about once per millisecond.
// Run it with USE_ZEND_DTRACE=1, or PHP fires no function probe at all.
function tick(): int {
    return strlen(file_get_contents(__FILE__));
}

for (;;) {
    tick();
    usleep(1000);
}
