# Computes the 50th Fibonacci number with a bounded loop; needs no input memory.
    mov %r0, 0              # fib(i)
    mov %r1, 1              # fib(i+1)
    mov %r3, 50             # iterations left
loop:
    jeq %r3, 0, done
    mov %r2, %r0
    add %r2, %r1
    mov %r0, %r1
    mov %r1, %r2
    sub %r3, 1
    ja loop
done:
    exit
