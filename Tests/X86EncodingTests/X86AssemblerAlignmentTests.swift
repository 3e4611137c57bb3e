import Testing
import X86Encoding

/// Loop-head alignment (`alignNextInstruction`, applied by `relaxInPlace`): the NOP table
/// against Intel's recommended sequences, hand-checked layouts, and generated jump mazes whose
/// every jump is decoded and followed to the label it was emitted for.
/// Opcodes: `jmp rel8` EB, `jmp rel32` E9, `jcc rel8` 70+cc, `jcc rel32` 0F 80+cc, `call rel32`
/// E8, `int3` CC, `ret` C3.
@Suite struct X86AssemblerAlignmentTests {
    /// Intel SDM Vol. 2B, NOP, Table 4-12 (1–9 bytes); longer padding is a 9-byte NOP and the rest.
    @Test(arguments: [
        (1, [0x90]),                                                            // nop
        (2, [0x66, 0x90]),                                                      // 66 nop
        (3, [0x0f, 0x1f, 0x00]),                                                // nop dword ptr [eax]
        (4, [0x0f, 0x1f, 0x40, 0x00]),                                          // nop dword ptr [eax + 00h]
        (5, [0x0f, 0x1f, 0x44, 0x00, 0x00]),                                    // nop dword ptr [eax + eax*1 + 00h]
        (6, [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00]),                              // 66 nop word ptr [eax + eax*1 + 00h]
        (7, [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00]),                        // nop dword ptr [eax + 00000000h]
        (8, [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00]),                  // nop dword ptr [eax + eax*1 + 00000000h]
        (9, [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00]),            // 66 nop word ptr [eax + eax*1 + 00000000h]
        (10, [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x90]),     // 9-byte nop; nop
        (15, [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,             // 9-byte nop;
              0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00]),                             // 66 nop word ptr [eax + eax*1 + 00h]
    ] as [(Int, [UInt8])])
    func nopPaddingIsIntelsSequence(length: Int, bytes: [UInt8]) {
        #expect(X86Assembler.nopPadding(length) == bytes)
    }

    @Test func paddingIsEmptyForZero() {
        #expect(X86Assembler.nopPadding(0).isEmpty)
    }

    @Test func backwardLoopToAnAlignedHead() throws {
        var headOut: X86Label?
        let assembler = try X86Assembler.assemble { a in
            let head = a.newLabel()
            a.ret(); a.ret(); a.ret()       // c3 c3 c3
            a.alignNextInstruction()        // 13 bytes of NOPs
            a.bind(head)
            a.ret()                         // 16: c3
            a.jcc(.notEqual, head)          // 17: 75 fd (to 16)
            headOut = head
        }
        #expect(assembler.code == [0xc3, 0xc3, 0xc3] + X86Assembler.nopPadding(13) + [0xc3, 0x75, 0xfd])
        #expect(assembler.offset(of: headOut!) == 16)
        #expect(assembler.relocated(3) == 16)
        #expect(assembler.relocated(4) == 17)
    }

    @Test func forwardJumpOverPaddingAndAlreadyAlignedPoint() throws {
        let assembler = try X86Assembler.assemble { a in
            let target = a.newLabel()
            a.jmp(target)                   // eb 0e (2 bytes; 2 -> 16)
            a.int3(); a.int3()              // cc cc
            a.alignNextInstruction()        // 12 bytes
            a.bind(target)
            a.ret()                         // 16: c3
            for _ in 0..<15 { a.int3() }    // 17..31
            a.alignNextInstruction()        // at 32: nothing
            a.ret()                         // 32: c3
        }
        #expect(Array(assembler.code.prefix(4)) == [0xeb, 0x0e, 0xcc, 0xcc])
        #expect(Array(assembler.code[4..<16]) == X86Assembler.nopPadding(12))
        #expect(assembler.code[16] == 0xc3 && assembler.code[32] == 0xc3 && assembler.code.count == 33)
    }

    /// A jump whose rel8 would fit without padding but might not with the worst padding stays
    /// long: 120 bytes + up to 15 of padding exceed 127.
    @Test func relaxationReservesTheWorstPadding() throws {
        var targetOut: X86Label?
        let assembler = try X86Assembler.assemble { a in
            let target = a.newLabel()
            targetOut = target
            a.jmp(target)
            for _ in 0..<120 { a.int3() }
            a.alignNextInstruction()
            a.bind(target)
            a.ret()
        }
        #expect(assembler.code[0] == 0xe9)
        #expect(assembler.offset(of: targetOut!) == 128)
    }

    /// The targets of every jump and call in `code`, in order (rel8 `jmp`/`jcc`, rel32 `jmp`,
    /// `call`, `jcc`), walking it instruction by instruction; nil, with an issue recorded, when a
    /// byte does not decode.
    static func branchTargets(_ code: [UInt8]) -> [Int]? {
        var targets: [Int] = []
        var offset = 0
        while offset < code.count {
            guard let length = instructionLength(code, at: offset) else {
                Issue.record("undecodable byte \(code[offset]) at \(offset)"); return nil
            }
            let end = offset + length
            switch (code[offset], length) {
            case (0xeb, _), (0x70...0x7f, 2):
                targets.append(end + Int(Int8(bitPattern: code[offset + 1])))
            case (0xe9, _), (0xe8, _), (0x0f, 6):
                let rel = code[(end - 4)..<end].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                targets.append(end + Int(Int32(bitPattern: rel)))
            default: break
            }
            offset = end
        }
        #expect(offset == code.count)
        return targets
    }

    /// Length of the instruction at `offset` among what the mazes emit.
    static func instructionLength(_ code: [UInt8], at offset: Int) -> Int? {
        switch code[offset] {
        case 0xcc, 0xc3, 0x90: return 1
        case 0xeb, 0x70...0x7f: return 2
        case 0xe9, 0xe8: return 5
        case 0x66: return code[offset + 1] == 0x90 ? 2 : (code[offset + 3] == 0x44 ? 6 : 9)
        case 0x0f:
            if code[offset + 1] & 0xf0 == 0x80 { return 6 }
            switch code[offset + 2] {
            case 0x00: return 3
            case 0x40: return 4
            case 0x44: return 5
            case 0x80: return 7
            case 0x84: return 8
            default: return nil
            }
        default: return nil
        }
    }

    @Test(arguments: 0..<100)
    func mazesWithAlignmentJumpWhereTheyWereAimed(seed: UInt64) throws {
        var aimed: [Int] = []        // label index of every jump and call, in emission order
        var aligned = Set<Int>()
        var allLabels: [X86Label] = []
        let assembler = try X86Assembler.assemble { a in
            var state = seed &* 0x9e37_79b9_7f4a_7c15 &+ 1
            func next(_ bound: UInt64) -> Int {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                return Int(state % bound)
            }
            let labels = (0..<12).map { _ in a.newLabel() }
            allLabels = labels
            var bound = Set<Int>()
            func bindLabel(_ index: Int) {
                if next(2) == 0 { a.alignNextInstruction(); aligned.insert(index) }
                a.bind(labels[index]); bound.insert(index)
            }
            for step in 0..<60 {
                switch next(5) {
                case 0: let t = next(12); aimed.append(t); a.jmp(labels[t])
                case 1: let t = next(12); aimed.append(t); a.jcc(.notEqual, labels[t])
                case 2: for _ in 0..<next(90) { a.int3() }
                case 3: let t = next(12); aimed.append(t); a.call(labels[t])
                default:
                    if !bound.contains(step % 12) { bindLabel(step % 12) }
                }
            }
            for index in 0..<12 where !bound.contains(index) { bindLabel(index) }
            a.ret()
        }
        let code = assembler.code
        guard let targets = Self.branchTargets(code) else { return }
        #expect(targets == aimed.map { assembler.offset(of: allLabels[$0])! })
        for index in aligned { #expect(assembler.offset(of: allLabels[index])! % 16 == 0) }
    }

    // MARK: Loops kept in one cache line (`keepInOneCacheLine`)

    /// `filler` bytes, then a loop head with an alignment point, `body` bytes and a short backward
    /// `jne` to the head, kept in one line: the head's and the loop end's offsets.
    static func loop(after filler: Int, body: Int, kept: Bool = true) throws -> (head: Int, end: Int, code: [UInt8]) {
        var labels: (X86Label, X86Label)?
        let assembler = try X86Assembler.assemble { a in
            let head = a.newLabel(), end = a.newLabel()
            for _ in 0..<filler { a.ret() }
            a.alignNextInstruction()
            a.bind(head)
            for _ in 0..<body { a.int3() }
            a.jcc(.notEqual, head)
            if kept { a.keepInOneCacheLine(from: head) }
            a.bind(end)
            a.ret()
            labels = (head, end)
        }
        return (assembler.offset(of: labels!.0)!, assembler.offset(of: labels!.1)!, assembler.code)
    }

    /// A 22-byte loop whose 16-byte boundary (48) would have it end at 70 starts at 64 instead,
    /// after 24 bytes of NOPs; without the request it stays at 48.
    @Test func shortLoopStraddlingALineMovesToTheNextLine() throws {
        let kept = try Self.loop(after: 40, body: 20)
        #expect(kept.head == 64 && kept.end == 86)
        #expect(Array(kept.code[40..<64]) == X86Assembler.nopPadding(24))
        #expect(Array(kept.code[84..<86]) == [0x75, 0xea])  // jne -22: back to 64
        let plain = try Self.loop(after: 40, body: 20, kept: false)
        #expect(plain.head == 48 && plain.end == 70)
    }

    /// Loops that fit before the next 64-byte boundary, or fit in no line, keep their 16-byte
    /// boundary (padding of at most 15 bytes).
    @Test(arguments: [(40, 10, 48), (40, 14, 48), (0, 62, 0), (40, 70, 48), (100, 100, 112)])
    func loopsThatFitOrCannotFitKeepTheirBoundary(filler: Int, body: Int, head: Int) throws {
        let kept = try Self.loop(after: filler, body: body)
        #expect(kept.head == head)
        #expect(kept.end - kept.head == body + 2)
    }

    /// A loop holding another alignment point (an inner loop's head) is not moved.
    @Test func loopAroundAnotherLoopHeadIsNotMoved() throws {
        var labels: [X86Label] = []
        let assembler = try X86Assembler.assemble { a in
            let outer = a.newLabel(), inner = a.newLabel()
            for _ in 0..<40 { a.ret() }
            a.alignNextInstruction()
            a.bind(outer)
            for _ in 0..<5 { a.int3() }
            a.alignNextInstruction()
            a.bind(inner)
            a.int3()
            a.jcc(.notEqual, inner)
            a.jcc(.notEqual, outer)
            a.keepInOneCacheLine(from: outer)
            labels = [outer, inner]
        }
        #expect(assembler.offset(of: labels[0]) == 48)
        #expect(assembler.offset(of: labels[1]) == 64)
    }

    /// The relaxation reserves up to 63 bytes for a kept loop's padding: a forward jump over
    /// 70 bytes and a 12-byte loop stays long although 5 + 70 + 5 + 12 bytes would have fitted.
    @Test func jumpOverAKeptLoopReservesItsWorstPadding() throws {
        var targetOut: X86Label?
        let assembler = try X86Assembler.assemble { a in
            let target = a.newLabel(), head = a.newLabel()
            a.jmp(target)
            for _ in 0..<70 { a.int3() }
            a.alignNextInstruction()
            a.bind(head)
            for _ in 0..<10 { a.int3() }
            a.jcc(.notEqual, head)
            a.keepInOneCacheLine(from: head)
            a.bind(target)
            a.ret()
            targetOut = target
        }
        #expect(assembler.code[0] == 0xe9)
        #expect(assembler.offset(of: targetOut!) == 92)
    }

    /// Random loops (bodies of 1–90 bytes, some holding jumps to later labels, some kept): every
    /// jump lands where it was aimed, and every kept loop of at most 64 bytes lies in one line.
    @Test(arguments: 0..<50)
    func randomLoopsKeptInOneLineStillJumpWhereAimed(seed: UInt64) throws {
        var aimed: [Int] = []
        var labels: [X86Label] = []
        var loops: [(head: Int, end: Int)] = []  // label indexes
        let assembler = try X86Assembler.assemble { a in
            var state = seed &* 0x9e37_79b9_7f4a_7c15 &+ 7
            func next(_ bound: UInt64) -> Int {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                return Int(state % bound)
            }
            labels = (0..<16).map { _ in a.newLabel() }
            var forward: [Int] = []  // later labels jumped to before being bound
            for loop in 0..<8 {
                let head = 2 * loop, end = 2 * loop + 1
                for _ in 0..<next(40) { a.int3() }
                if next(3) == 0 {
                    let target = 2 * (loop + 1 + next(UInt64(8 - loop))) - 1
                    if target > end { aimed.append(target); forward.append(target); a.jmp(labels[target]) }
                }
                a.alignNextInstruction()
                a.bind(labels[head])
                for _ in 0..<(1 + next(90)) {
                    if next(20) == 0 {
                        let target = min(15, end + 2 * next(4))
                        aimed.append(target)
                        a.jcc(.equal, labels[target])
                    } else {
                        a.int3()
                    }
                }
                aimed.append(head)
                a.jcc(.notEqual, labels[head])
                if next(4) != 0 {
                    a.keepInOneCacheLine(from: labels[head])
                    loops.append((head, end))
                }
                a.bind(labels[end])
            }
            a.ret()
        }
        let code = assembler.code
        guard let targets = Self.branchTargets(code) else { return }
        #expect(targets == aimed.map { assembler.offset(of: labels[$0])! })
        let line = X86Assembler.cacheLineSize
        for (head, end) in loops {
            let start = assembler.offset(of: labels[head])!, stop = assembler.offset(of: labels[end])!
            #expect(start % 16 == 0)
            #expect(stop - start > line || start / line == (stop - 1) / line, "loop at \(start)..<\(stop)")
        }
    }
}
