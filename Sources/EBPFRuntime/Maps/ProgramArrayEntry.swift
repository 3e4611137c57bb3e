/// One filled slot of a ``ProgramArrayMap``.
struct ProgramArrayEntry: Sendable {
    let handle: UInt32
    let target: TailCallTarget
}
