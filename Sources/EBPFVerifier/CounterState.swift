import EBPFCore

/// The state of ``LoopTermination``'s data-flow analysis at one point of a loop: each register's
/// and each tracked stack cell's value relative to the loop head (``CounterDelta``), and which
/// bytes of the function's frame may have been written since the head.
struct CounterState: DataflowState, Hashable {
    /// Joins before values that keep changing become unknown (the analysis then settles).
    static let joinsBeforeWidening = 12

    /// R0–R10.
    var registers: [CounterDelta]
    /// Stack cells written since the head, by their extent; a cell not listed is its value at
    /// the head when none of its bytes is ``dirty``, and unknown otherwise.
    var cells: [CounterDelta.Variable: CounterDelta] = [:]
    /// Bit `i % 64` of word `i / 64`: byte `R10 - 512 + i` may have been written since the head.
    var dirty = [UInt64](repeating: 0, count: ExecutionLimits.stackFrameSize / 64)
    /// Joins into this state that changed it.
    var joins = 0

    /// The state at the loop head: every value is its own.
    static var atHead: CounterState {
        var registers = (0..<11).map { CounterDelta.identity(.register($0)) }
        registers[10] = .frameAddress(0)
        return CounterState(registers: registers)
    }

    // MARK: - Cells

    /// The bytes of a cell, as indexes into the frame (0 = R10 - 512); `nil` outside the frame.
    static func bytes(offset: Int, size: Int) -> Range<Int>? {
        let start = ExecutionLimits.stackFrameSize + offset
        guard start >= 0, start + size <= ExecutionLimits.stackFrameSize else { return nil }
        return start..<start + size
    }

    func isDirty(_ bytes: Range<Int>) -> Bool {
        bytes.contains { dirty[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
    }

    /// The value of the `size` bytes at `offset` from R10.
    func cell(offset: Int, size: Int) -> CounterDelta {
        let variable = CounterDelta.Variable.cell(offset: offset, size: size)
        if let value = cells[variable] { return value }
        guard let bytes = Self.bytes(offset: offset, size: size), !isDirty(bytes) else { return .unknown }
        return .identity(variable)
    }

    /// A store of `value` (already truncated to the store's width) to the bytes at `offset`.
    mutating func store(_ value: CounterDelta, offset: Int, size: Int) {
        guard let bytes = Self.bytes(offset: offset, size: size) else { return }
        for byte in bytes { dirty[byte / 64] |= 1 << UInt64(byte % 64) }
        cells = cells.filter { key, _ in
            guard case .cell(let other, let otherSize) = key, let otherBytes = Self.bytes(offset: other, size: otherSize) else {
                return false
            }
            return !otherBytes.overlaps(bytes)
        }
        if value != .unknown { cells[.cell(offset: offset, size: size)] = value }
    }

    /// Something may have written any byte of the frame.
    mutating func forgetFrame() {
        cells = [:]
        dirty = dirty.map { _ in .max }
    }

    // MARK: - Join

    mutating func join(_ other: CounterState) -> Bool {
        var result = self
        for register in 0..<registers.count {
            result.registers[register] = registers[register].joined(other.registers[register])
        }
        for word in dirty.indices { result.dirty[word] = dirty[word] | other.dirty[word] }
        var cells: [CounterDelta.Variable: CounterDelta] = [:]
        for key in Set(self.cells.keys).union(other.cells.keys) {
            guard case .cell(let offset, let size) = key else { continue }
            let value = cell(offset: offset, size: size).joined(other.cell(offset: offset, size: size))
            if value != .unknown { cells[key] = value }
        }
        result.cells = cells
        result.joins = joins
        guard result != self else { return false }
        if joins >= Self.joinsBeforeWidening {
            // Whatever still changes becomes unknown.
            for register in 0..<registers.count where result.registers[register] != registers[register] {
                result.registers[register] = .unknown
            }
            result.cells = result.cells.filter { key, value in self.cells[key] == value }
        }
        result.joins = joins + 1
        self = result
        return true
    }
}
