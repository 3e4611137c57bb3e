import EBPFCore

/// The test of a conditional jump, `dst CONDITION source` at `width`: what the lowering compares
/// for a jump, for a conditional jump whose taking traps, and again in a budget back-edge's cold
/// path.
struct Comparison {
    let condition: BranchCondition
    let width: ALUWidth
    let dst: UInt8
    let source: Operand
}
