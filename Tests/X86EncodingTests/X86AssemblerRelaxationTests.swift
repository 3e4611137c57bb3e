import Testing
import X86Encoding

/// Branch relaxation in place (`assemble`, `relaxInPlace`, `relocated`): hand-checked bytes
/// for small cases, and for generated jump mazes the relaxation's invariants, read back from the
/// bytes. Opcodes: `jmp rel8` EB, `jmp rel32` E9, `jcc rel8` 70+cc, `jcc rel32` 0F 80+cc,
/// `call rel32` E8, `int3` CC, `ret` C3.
@Suite struct X86AssemblerRelaxationTests {
    @Test func shortensWhatFitsAndRelocatesOffsets() throws {
        var recorded: [Int] = []
        let assembler = try X86Assembler.assemble { a in
            let top = a.newLabel()
            let bottom = a.newLabel()
            a.bind(top)
            a.jmp(top)               // eb fe
            a.jcc(.notEqual, bottom) // 75 01
            recorded.append(a.offset) // 11 as emitted (5 + 6), 4 after relaxation
            a.ret()                  // c3
            a.bind(bottom)
            a.jcc(.below, top)       // 72 f9
        }
        #expect(assembler.code == [0xeb, 0xfe, 0x75, 0x01, 0xc3, 0x72, 0xf9])
        #expect(recorded == [11])
        #expect(assembler.relocated(11) == 4)
        #expect(assembler.relocated(0) == 0)
    }

    @Test func farJumpsAndCallsKeepRel32() throws {
        let assembler = try X86Assembler.assemble { a in
            let far = a.newLabel()
            let function = a.newLabel()
            a.jmp(far)               // e9 <200 + 5>
            a.call(function)         // e8 <205 - 10 + 200 ... >
            for _ in 0..<200 { a.int3() }
            a.bind(far)
            a.ret()
            a.bind(function)
            a.ret()
        }
        // jmp far: from 5 to 210 = +205; call function: from 10 to 211 = +201.
        #expect(Array(assembler.code.prefix(10)) == [0xe9, 205, 0, 0, 0, 0xe8, 201, 0, 0, 0])
        #expect(assembler.code.count == 212)
    }

    /// One step of a generated maze.
    enum Step {
        case jmp(label: Int)
        case jne(label: Int)
        case call(label: Int)
        case filler(count: Int)
        case bind(label: Int)
        case ret
    }

    /// A deterministic maze of jumps (forward and backward, short and far), calls and filler over
    /// 12 labels, each bound once.
    static func maze(seed: UInt64) -> [Step] {
        var state = seed &* 0x9e37_79b9_7f4a_7c15 &+ 1
        func next(_ bound: UInt64) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % bound)
        }
        var steps: [Step] = []
        var bound = Set<Int>()
        for step in 0..<60 {
            switch next(5) {
            case 0: steps.append(.jmp(label: next(12)))
            case 1: steps.append(.jne(label: next(12)))
            case 2: steps.append(.filler(count: next(90)))
            case 3: steps.append(.call(label: next(12)))
            default:
                if bound.insert(step % 12).inserted { steps.append(.bind(label: step % 12)) }
            }
        }
        for index in 0..<12 where bound.insert(index).inserted { steps.append(.bind(label: index)) }
        steps.append(.ret)
        return steps
    }

    /// Walks the relaxed code alongside the steps that emitted it: every byte is the step's
    /// instruction in one of its two forms, every jump and call lands on its label, every label
    /// and every offset recorded while emitting (mapped through `relocated`) is where its step
    /// starts, and no jump left long would fit in rel8 even if it alone were shortened.
    @Test(arguments: 0..<200)
    func relaxedMazesKeepTheirInvariants(seed: UInt64) throws {
        let steps = Self.maze(seed: seed)
        var recorded: [Int] = []
        var labels: [X86Label] = []
        let assembler = try X86Assembler.assemble { a in
            labels = (0..<12).map { _ in a.newLabel() }
            for step in steps {
                recorded.append(a.offset)
                switch step {
                case .jmp(let label): a.jmp(labels[label])
                case .jne(let label): a.jcc(.notEqual, labels[label])
                case .call(let label): a.call(labels[label])
                case .filler(let count): for _ in 0..<count { a.int3() }
                case .bind(let label): a.bind(labels[label])
                case .ret: a.ret()
                }
            }
        }
        let code = assembler.code
        func target(_ label: Int) -> Int { assembler.offset(of: labels[label])! }
        func rel32(endingAt end: Int) -> Int {
            Int(Int32(bitPattern: code[(end - 4)..<end].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
        }
        var offset = 0
        for (index, step) in steps.enumerated() {
            #expect(assembler.relocated(recorded[index]) == offset, "step \(index)")
            switch step {
            case .jmp(let label), .jne(let label):
                let (short, long): (UInt8, [UInt8]) = if case .jmp = step { (0xeb, [0xe9]) } else { (0x75, [0x0f, 0x85]) }
                if code[offset] == short {
                    #expect(offset + 2 + Int(Int8(bitPattern: code[offset + 1])) == target(label))
                    offset += 2
                } else {
                    #expect(Array(code[offset..<offset + long.count]) == long, "step \(index)")
                    let end = offset + long.count + 4
                    #expect(end + rel32(endingAt: end) == target(label))
                    // As a 2-byte jump (nothing else moving) its target would be out of rel8
                    // range: forward, the bytes in between stay; backward, it would end 2 bytes in.
                    let distance = target(label) >= end ? target(label) - end : target(label) - (offset + 2)
                    #expect(Int8(exactly: distance) == nil, "long jump at \(offset) would fit: \(distance)")
                    offset = end
                }
            case .call(let label):
                #expect(code[offset] == 0xe8)
                #expect(offset + 5 + rel32(endingAt: offset + 5) == target(label))
                offset += 5
            case .filler(let count):
                #expect(code[offset..<offset + count].allSatisfy { $0 == 0xcc })
                offset += count
            case .bind(let label):
                #expect(target(label) == offset)
            case .ret:
                #expect(code[offset] == 0xc3)
                offset += 1
            }
        }
        #expect(offset == code.count)
    }

    /// Labels made in pairs and bound far apart, as the JIT's are (a slot's label bound in the
    /// body, a stub's made with it and bound after the body): relocating them by id alternates
    /// between low and high offsets with hundreds of shortened jumps in between, which the
    /// walker must search rather than walk. Every jump still lands on its label, every label is
    /// where its code starts, and `relocate` agrees with `relocated` for offsets in any order.
    @Test(arguments: [3, 40, 300])
    func labelsBoundFarApartInIdOrderLandOnTheirTargets(pairs: Int) throws {
        var body: [X86Label] = [], stubs: [X86Label] = []
        var bodyOffsets: [Int] = [], stubOffsets: [Int] = []
        let assembler = try X86Assembler.assemble { a in
            for _ in 0..<pairs {
                body.append(a.newLabel())
                stubs.append(a.newLabel())
            }
            for index in 0..<pairs {
                a.bind(body[index])
                bodyOffsets.append(a.offset)
                a.jcc(.notEqual, body[index])  // short: to itself
                a.jcc(.below, stubs[index])    // long unless near the end of the body
                a.int3()
            }
            for index in 0..<pairs {
                a.bind(stubs[index])
                stubOffsets.append(a.offset)
                a.jmp(body[index])             // back: long unless near
            }
            a.ret()
        }
        let code = assembler.code
        func landing(at offset: Int) -> (target: Int, end: Int) {
            switch code[offset] {
            case 0xeb, 0x70...0x7f: return (offset + 2 + Int(Int8(bitPattern: code[offset + 1])), offset + 2)
            case 0xe9: return (offset + 5 + Self.rel32(code, endingAt: offset + 5), offset + 5)
            default:
                #expect(code[offset] == 0x0f)
                return (offset + 6 + Self.rel32(code, endingAt: offset + 6), offset + 6)
            }
        }
        for index in 0..<pairs {
            let start = assembler.offset(of: body[index])!
            #expect(start == assembler.relocated(bodyOffsets[index]))
            let own = landing(at: start)
            #expect(own.target == start)
            let toStub = landing(at: own.end)
            #expect(toStub.target == assembler.offset(of: stubs[index])!)
            #expect(code[toStub.end] == 0xcc)
            let stub = assembler.offset(of: stubs[index])!
            #expect(stub == assembler.relocated(stubOffsets[index]))
            #expect(landing(at: stub).target == start)
        }
        // Ascending, then alternating low and high.
        var ascending = bodyOffsets + stubOffsets
        assembler.relocate(&ascending)
        #expect(ascending == (bodyOffsets + stubOffsets).map { assembler.relocated($0) })
        let interleaved = zip(bodyOffsets, stubOffsets).flatMap { [$0, $1] }
        var relocated = interleaved
        assembler.relocate(&relocated)
        #expect(relocated == interleaved.map { assembler.relocated($0) })
    }

    static func rel32(_ code: [UInt8], endingAt end: Int) -> Int {
        Int(Int32(bitPattern: code[(end - 4)..<end].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
    }
}
