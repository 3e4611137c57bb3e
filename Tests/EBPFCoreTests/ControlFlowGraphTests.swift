import EBPFCore
import Testing

@Suite("ControlFlowGraph")
struct ControlFlowGraphTests {
    /// ```
    /// 0: mov r0, 0
    /// 1: mov r1, 10
    /// 2: add r0, r1        <- loop head
    /// 3: sub r1, 1
    /// 4: jne r1, 0, -3     (to 2)
    /// 5: call local +1     (to 7)
    /// 6: exit
    /// 7: mov r0, 7         <- subprogram
    /// 8: exit
    /// ```
    static let loopAndCall: [Instruction] = [
        Instruction(opcode: 0xb7, dst: 0),
        Instruction(opcode: 0xb7, dst: 1, immediate: 10),
        Instruction(opcode: 0x0f, dst: 0, src: 1),
        Instruction(opcode: 0x17, dst: 1, immediate: 1),
        Instruction(opcode: 0x55, dst: 1, offset: -3),
        Instruction(opcode: 0x85, src: 1, immediate: 1),
        Instruction(opcode: 0x95),
        Instruction(opcode: 0xb7, dst: 0, immediate: 7),
        Instruction(opcode: 0x95),
    ]

    @Test func blocksEdgesLoopsAndSubprograms() throws {
        let cfg = try Program(validating: Self.loopAndCall).decoded.controlFlow
        #expect(cfg.blocks.map(\.slots) == [0..<2, 2..<5, 5..<6, 6..<7, 7..<9])
        #expect(cfg.blocks.map(\.successors) == [[1], [2, 1], [3], [], []])
        #expect(cfg.blocks[1].predecessors == [0, 1])
        #expect(cfg.callees == [2: 4])
        #expect(cfg.isLoopHead.indices.filter { cfg.isLoopHead[$0] } == [2])
        #expect(cfg.isBackwardJumpTarget.indices.filter { cfg.isBackwardJumpTarget[$0] } == [2])
        #expect(cfg.isBranchTarget.indices.filter { cfg.isBranchTarget[$0] } == [2, 7])
        #expect(cfg.subprogramStarts == [0, 7])
        #expect(cfg.subprogramOfSlot == [0, 0, 0, 0, 0, 0, 0, 1, 1])
        #expect(cfg.isReachable.allSatisfy { $0 })
        #expect(cfg.hasLoops)
    }

    /// Back-edges in the order the search finds them, each from the jump (or call) to the head:
    /// the loop above; recursion (a call to its own subprogram); two loops one inside the other,
    /// where the search, which follows a conditional jump's fall-through first, leaves the inner
    /// loop and meets the outer back-edge before the inner one.
    @Test(arguments: [
        (loopAndCall, [BackEdge(from: 4, to: 2)]),
        ([
            Instruction(opcode: 0x85, src: 1, immediate: 1),  // 0: call local +1 (to 2)
            Instruction(opcode: 0x95),  // 1: exit
            Instruction(opcode: 0x85, src: 1, immediate: -1),  // 2: call local -1 (to 2)
            Instruction(opcode: 0x95),  // 3: exit
        ], [BackEdge(from: 2, to: 2)]),
        ([
            Instruction(opcode: 0xb7, dst: 0),  // 0: mov r0, 0
            Instruction(opcode: 0xb7, dst: 1),  // 1: mov r1, 0      <- outer head
            Instruction(opcode: 0x07, dst: 1, immediate: 1),  // 2: add r1, 1       <- inner head
            Instruction(opcode: 0xa5, dst: 1, offset: -2, immediate: 4),  // 3: jlt r1, 4, -2 (to 2)
            Instruction(opcode: 0x07, dst: 0, immediate: 1),  // 4: add r0, 1
            Instruction(opcode: 0xa5, dst: 0, offset: -5, immediate: 3),  // 5: jlt r0, 3, -5 (to 1)
            Instruction(opcode: 0x95),  // 6: exit
        ], [BackEdge(from: 5, to: 1), BackEdge(from: 3, to: 2)]),
        ([Instruction(opcode: 0xb7), Instruction(opcode: 0x95)], []),
    ])
    func backEdgesInSearchOrder(_ slots: [Instruction], _ expected: [BackEdge]) throws {
        let cfg = try Program(validating: slots).decoded.controlFlow
        #expect(cfg.backEdges.map { BackEdge(from: $0.from, to: $0.to) } == expected)
        #expect(Set(expected.map(\.to)) == Set(cfg.isLoopHead.indices.filter { cfg.isLoopHead[$0] }))
    }

    struct BackEdge: Hashable, Sendable {
        var from: Int
        var to: Int
    }

    @Test func unreachableCodeAndLddw() throws {
        // 0: ja +2 (to 3); 1-2: lddw (unreachable); 3: exit
        let program = try Program(validating: [
            Instruction(opcode: 0x05, offset: 2),
            Instruction(opcode: 0x18, dst: 0, immediate: 1), Instruction(opcode: 0),
            Instruction(opcode: 0x95),
        ])
        let cfg = program.decoded.controlFlow
        #expect(cfg.blocks.map(\.slots) == [0..<1, 1..<3, 3..<4])
        #expect(cfg.blocks[1].last == 1)
        #expect(cfg.blocks.map(\.successors) == [[2], [2], []])
        #expect(cfg.isReachable == [true, false, false, true])
        #expect(cfg.blockOfSlot == [0, 1, 1, 2])
        #expect(!cfg.hasLoops)
    }

    @Test func invalidSlotEndsItsBlock() {
        let cfg = Program(unchecked: [Instruction(opcode: 0xb7), Instruction(opcode: 0xff), Instruction(opcode: 0x95)])
            .decoded.controlFlow
        #expect(cfg.blocks.map(\.slots) == [0..<2, 2..<3])
        #expect(cfg.blocks[0].successors == [])
        #expect(cfg.isReachable == [true, true, false])
    }

    @Test func emptyProgram() {
        let cfg = Program(unchecked: []).decoded.controlFlow
        #expect(cfg.blocks.isEmpty)
        #expect(cfg.subprogramStarts.isEmpty)
    }
}
