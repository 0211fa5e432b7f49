<?php
// CPU only, no I/O: a naive recursive Fibonacci, so a trace has deep nesting
// and many short calls for --min-duration to filter out.

declare(strict_types=1);

namespace App;

final class Compute
{
    public const MAX_N = 25;   // fib(25) is ~243,000 calls: slow enough under tracing

    public static function fibonacci(int $n): int
    {
        return self::fib(max(0, min($n, self::MAX_N)));
    }

    private static function fib(int $n): int
    {
        return $n < 2 ? $n : self::fib($n - 1) + self::fib($n - 2);
    }
}
