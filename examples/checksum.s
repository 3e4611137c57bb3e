# Sums the bytes of the input memory.
# Entry: %r1 = pointer to the memory, %r2 = its length in bytes. Returns the sum in %r0.
    mov %r0, 0
    mov %r3, 0              # index
loop:
    jge %r3, %r2, done      # stop at the end of the memory
    mov %r4, %r1
    add %r4, %r3
    ldxb %r5, [%r4]
    add %r0, %r5
    add %r3, 1
    ja loop
done:
    exit
