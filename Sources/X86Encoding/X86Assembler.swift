/// Emits x86-64 machine code into a byte buffer.
///
/// All prefix, REX, ModRM, SIB and displacement decisions are made in one place,
/// ``encode(lock:operandSizePrefix:rexW:escaped:escaped38:opcode:reg:regIsByte:rm:rmIsByte:)``; the per-instruction
/// methods (in the `X86Assembler+*.swift` files) only choose opcodes.
///
/// ## Labels, fix-ups and short jumps
/// Every `jmp`/`jcc` is emitted in its rel32 form, gets a sequence number in emission order and
/// is recorded as a fix-up, as is every `call`. Once every label is bound, ``relaxInPlace()``
/// does branch relaxation on the fix-ups: it shortens to rel8 every jump whose displacement fits,
/// rebuilds the bytes and patches every displacement (``assemble(_:)`` runs an emitter and then
/// that). Shortening only brings code closer together and nothing else in the code depends on
/// the layout, so a jump that fitted keeps fitting; each short jump is still checked when its
/// displacement is patched.
public struct X86Assembler: Sendable {
    /// The machine code emitted so far.
    public private(set) var code: [UInt8] = []

    /// Offset of each label, `-1` while unbound.
    private var labelOffsets: [Int] = []
    private var fixups: [Fixup] = []
    private var jumpCount = 0
    /// Offsets of the emitted code (ascending) where ``relaxInPlace()`` pads with NOPs to the next
    /// 16-byte boundary (``alignNextInstruction()``).
    private var alignmentPoints: [Int] = []
    /// Per alignment point (same index; empty while no point has one): the original offset
    /// where the short loop starting there ends (``keepInOneCacheLine(from:)``), 0 for none.
    private var loopEnds: [Int] = []
    /// After ``relaxInPlace()``: the original offsets where the layout shifts (the end of each
    /// shortened jump, each padded alignment point), ascending, and the total shift up to and
    /// including each (see ``relocated(_:)``).
    private var shiftOffsets: [Int] = []
    private var shiftTotals: [Int] = []

    /// One displacement to patch.
    private struct Fixup: Sendable {
        /// Offset of the first byte of the instruction.
        var start: Int
        /// Offset of the displacement field.
        var site: Int
        /// Offset just past the instruction (displacements are relative to it).
        var end: Int
        var label: X86Label
        var isShort: Bool
        /// The jump's sequence number, `nil` for calls (always rel32).
        var jumpNumber: Int?
    }

    /// An empty assembler.
    public init() {}

    /// An empty assembler with room for `codeBytes` bytes of code, `labels` labels and `jumps`
    /// jumps and calls before any of its buffers grows (so a caller that can estimate its code
    /// does not pay for the buffers' repeated growth).
    public init(reservingCodeBytes codeBytes: Int, labels: Int, jumps: Int) {
        code.reserveCapacity(codeBytes)
        labelOffsets.reserveCapacity(labels)
        fixups.reserveCapacity(jumps)
    }

    /// The current offset, where the next instruction will start.
    @inlinable public var offset: Int { code.count }

    // MARK: Labels

    /// A new, unbound label.
    public mutating func newLabel() -> X86Label {
        labelOffsets.append(-1)
        return X86Label(id: labelOffsets.count - 1)
    }

    /// `count` new, unbound labels, in one call (a compiler's label per instruction): the same
    /// labels as `count` calls of ``newLabel()``, without a call and a buffer check per label.
    public mutating func newLabels(_ count: Int) -> [X86Label] {
        let first = labelOffsets.count
        labelOffsets.append(contentsOf: repeatElement(-1, count: count))
        var labels: [X86Label] = []
        labels.reserveCapacity(count)
        for id in first..<first + count { labels.append(X86Label(id: id)) }
        return labels
    }

    /// The offsets of `labels`, then that of `last`, every one bound: what a compiler records per
    /// instruction, in one call instead of one ``offset(of:)`` per label.
    public func offsets(of labels: [X86Label], then last: X86Label) -> [Int] {
        var offsets: [Int] = []
        offsets.reserveCapacity(labels.count + 1)
        for label in labels { offsets.append(labelOffsets[label.id]) }
        offsets.append(labelOffsets[last.id])
        precondition(!offsets.contains { $0 < 0 }, "an unbound label")
        return offsets
    }

    /// Binds `label` to the current offset.
    public mutating func bind(_ label: X86Label) {
        precondition(labelOffsets[label.id] < 0, "label bound twice")
        labelOffsets[label.id] = code.count
    }

    /// The offset `label` is bound to, or `nil` if it is not bound.
    public func offset(of label: X86Label) -> Int? {
        let value = labelOffsets[label.id]
        return value < 0 ? nil : value
    }

    /// The sequence number of the next jump.
    mutating func takeJumpNumber() -> Int {
        defer { jumpCount += 1 }
        return jumpCount
    }

    /// Records a rel32 displacement at the end of the code and reserves its 4 bytes.
    mutating func addFixup(start: Int, label: X86Label, jumpNumber: Int?) {
        let site = code.count
        withUnsafeBytes(of: UInt32(0)) { code.append(contentsOf: $0) }
        fixups.append(Fixup(start: start, site: site, end: code.count, label: label, isShort: false, jumpNumber: jumpNumber))
    }

    /// Patches every displacement; a short jump whose target is out of rel8 range is an error.
    private mutating func patchDisplacements() throws(X86AssemblerError) {
        for fixup in fixups {
            let target = labelOffsets[fixup.label.id]
            guard target >= 0 else { throw .unboundLabel(id: fixup.label.id) }
            let displacement = target - fixup.end
            if fixup.isShort {
                guard let rel8 = Int8(exactly: displacement) else {
                    throw .shortJumpOutOfRange(jump: fixup.jumpNumber ?? -1, distance: displacement)
                }
                code[fixup.site] = UInt8(bitPattern: rel8)
            } else {
                let rel32 = UInt32(bitPattern: Int32(displacement))
                for i in 0..<4 { code[fixup.site + i] = UInt8(truncatingIfNeeded: rel32 >> (8 * UInt32(i))) }
            }
        }
    }

    /// Runs `emit` (every jump in its rel32 form), then shortens jumps in place (see
    /// ``relaxInPlace()``). Offsets the emitter recorded map to the final code through
    /// ``relocated(_:)``; label offsets are already final.
    public static func assemble(_ emit: (inout X86Assembler) -> Void) throws(X86AssemblerError) -> X86Assembler {
        var assembler = X86Assembler()
        emit(&assembler)
        try assembler.relaxInPlace()
        return assembler
    }

    /// Where byte `offset` of the code as emitted (every jump long) lies after ``relaxInPlace()``:
    /// the offset minus the bytes saved by the jumps that end at or before it, plus the padding
    /// inserted at or before it (code at an alignment point moves past its padding). (An offset
    /// is never inside a jump.) Identity before relaxation.
    public func relocated(_ offset: Int) -> Int {
        offset + Self.saved(before: offset, ends: shiftOffsets, saved: shiftTotals)
    }

    /// ``relocated(_:)`` of every offset in `offsets`, in place; quickest when they ascend (each
    /// is then found by walking on from the previous one instead of by a search).
    public func relocate(_ offsets: inout [Int]) {
        var walker = ShiftWalker()
        for index in offsets.indices {
            offsets[index] += walker.saved(before: offsets[index], ends: shiftOffsets, saved: shiftTotals)
        }
    }

    /// Finds the total shift up to an offset by walking along ascending `ends` from where the
    /// previous (lower or equal) offset left off, and by a binary search when an offset is lower
    /// than the previous one or lies more than ``walkLimit`` shifts ahead: so each lookup costs
    /// at most a short walk and a search, however the offsets alternate (label offsets by id do:
    /// a stub's label is made in the body and bound after it, so the body's labels and the
    /// stubs' interleave, and walking every time from a body offset to a stub's was quadratic).
    struct ShiftWalker {
        private var cursor = 0
        private var last = Int.min
        /// Shifts walked over before the rest is searched.
        static let walkLimit = 8

        mutating func saved(before offset: Int, ends: [Int], saved: [Int]) -> Int {
            if offset < last {
                cursor = ends.withUnsafeBufferPointer { X86Assembler.countAtOrBelow(offset, in: $0) }
            } else {
                let near = min(cursor + Self.walkLimit, ends.count)
                while cursor < near && ends[cursor] <= offset { cursor += 1 }
                if cursor == near && cursor < ends.count && ends[cursor] <= offset {
                    let from = cursor
                    cursor += ends.withUnsafeBufferPointer {
                        X86Assembler.countAtOrBelow(offset, in: UnsafeBufferPointer(rebasing: $0[from...]))
                    }
                }
            }
            last = offset
            return cursor == 0 ? 0 : saved[cursor - 1]
        }
    }

    /// Asks ``relaxInPlace()`` to start the next instruction at a 16-byte boundary, padding with
    /// the recommended multi-byte NOPs (``nopPadding(_:)``, at most 15 bytes). Branch relaxation
    /// assumes the worst padding between a jump and its target, so every short jump still fits.
    public mutating func alignNextInstruction() {
        guard alignmentPoints.last != code.count else { return }
        // Room for a few loop heads at once (they come in small numbers), instead of growing
        // one at a time.
        if alignmentPoints.capacity == 0 { alignmentPoints.reserveCapacity(8) }
        alignmentPoints.append(code.count)
        if !loopEnds.isEmpty { loopEnds.append(0) }
    }

    /// The code a cache line holds (``keepInOneCacheLine(from:)``).
    public static let cacheLineSize = 64
    /// The most padding an alignment point whose loop is kept in one cache line can need.
    static let maximumLoopPadding = cacheLineSize - 1
    /// The longest code (as emitted, every jump long) ``keepInOneCacheLine(from:)`` takes on:
    /// past it, only a loop of more than 16 jumps could come down to one line (a jump saves at
    /// most 4 bytes).
    static let longestLoopAsEmitted = 2 * cacheLineSize

    /// Asks ``relaxInPlace()`` to keep the code from the alignment point at `label` (a loop
    /// head, ``alignNextInstruction()``) up to the current offset (its backward jump) inside one
    /// 64-byte cache line when, relaxed, that code is at most 64 bytes long and holds no other
    /// alignment point: the point pads to its 16-byte boundary as usual when the loop then ends
    /// by the next 64-byte boundary, otherwise to that 64-byte boundary (at most 63 bytes of
    /// NOPs, which branch relaxation then assumes between a jump and its target). A loop that
    /// straddles two lines is fetched from both on every iteration (measured on sort's inner
    /// loop, docs/jit.md). Several calls for one point keep the shortest loop; nothing happens
    /// when no alignment point is at `label`, or when the code is longer than
    /// ``longestLoopAsEmitted``.
    public mutating func keepInOneCacheLine(from label: X86Label) {
        guard let start = offset(of: label), code.count - start <= Self.longestLoopAsEmitted else { return }
        let index = alignmentPoints.withUnsafeBufferPointer { Self.countAtOrBelow(start, in: $0) } - 1
        guard index >= 0, alignmentPoints[index] == start, code.count > start else { return }
        if loopEnds.isEmpty { loopEnds = Array(repeating: 0, count: alignmentPoints.count) }
        if loopEnds.count < alignmentPoints.count { loopEnds += Array(repeating: 0, count: alignmentPoints.count - loopEnds.count) }
        if loopEnds[index] == 0 || code.count < loopEnds[index] { loopEnds[index] = code.count }
    }

    /// Bytes saved by shortened jumps ending at or before `offset` (`ends` ascending; `saved[i]`
    /// is the total for `ends[0...i]`).
    private static func saved(before offset: Int, ends: [Int], saved: [Int]) -> Int {
        let count = ends.withUnsafeBufferPointer { Self.countAtOrBelow(offset, in: $0) }
        return count == 0 ? 0 : saved[count - 1]
    }

    /// How many of the ascending `values` are at most `value`: a binary search whose steps are
    /// selects rather than branches (the comparisons follow no pattern a predictor could learn).
    static func countAtOrBelow(_ value: Int, in values: UnsafeBufferPointer<Int>) -> Int {
        var low = 0, length = values.count
        while length > 0 {
            let half = length / 2
            let right = values[low + half] <= value
            low = right ? low + half + 1 : low
            length = right ? length - half - 1 : half
        }
        return low
    }

    /// Branch relaxation on the recorded fix-ups of code emitted with every jump long: marks
    /// short every jump whose rel8 displacement fits, measured in the layout with the jumps marked
    /// so far already short and as if it alone were short too, repeating until nothing changes.
    /// Shortening only brings code closer together, so a jump that fitted keeps fitting, and at
    /// the end no long jump would fit in rel8 even alone. Then it rebuilds the code with
    /// `EB rel8` / `70+cc rel8` for those jumps and NOP padding at alignment points, moves labels
    /// and fix-ups, and patches every displacement (re-checking each short jump). Call it once,
    /// after every label is bound.
    ///
    /// The rounds work in one scratch allocation (on the stack for small code) through unsafe
    /// buffers: a compilation of a small program relaxes a few dozen jumps, where the arrays,
    /// their bounds and uniqueness checks and their destruction used to cost more than the
    /// arithmetic.
    public mutating func relaxInPlace() throws(X86AssemblerError) {
        precondition(shiftOffsets.isEmpty && !fixups.contains { $0.isShort }, "relaxInPlace expects an all-long emission, once")
        // Every target must be bound (the rounds below read them unchecked).
        for fixup in fixups where labelOffsets[fixup.label.id] < 0 { throw .unboundLabel(id: fixup.label.id) }
        let count = fixups.count
        guard count > 0 || !alignmentPoints.isEmpty else { return }
        // Scratch: per fix-up, -1 once marked short, else how far its displacement was from
        // fitting in rel8 when last measured; then the ends of the jumps marked short and the
        // bytes saved up to each (the layout of the current round).
        if loopEnds.count < alignmentPoints.count && !loopEnds.isEmpty {
            loopEnds += Array(repeating: 0, count: alignmentPoints.count - loopEnds.count)
        }
        // With loops kept in one line: the worst padding of the points before each index.
        let slack: [Int] = loopEnds.isEmpty ? [] : loopEnds.reduce(into: [0]) { sums, end in
            sums.append(sums.last! + (end > 0 ? Self.maximumLoopPadding : Self.maximumPadding))
        }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * count + 1) { scratch in
            let base = scratch.baseAddress!
            let state = base, ends = base + count, saved = base + 2 * count
            state.initialize(repeating: 0, count: count)
            let anyShort = fixups.withUnsafeBufferPointer { fixups in
                labelOffsets.withUnsafeBufferPointer { labels in
                    alignmentPoints.withUnsafeBufferPointer { points in
                        slack.withUnsafeBufferPointer { slack in
                            Self.markShortJumps(fixups, labels: labels, points: points, slack: slack, state: state, ends: ends, saved: saved)
                        }
                    }
                }
            }
            if anyShort || !alignmentPoints.isEmpty { rebuild(shortened: UnsafeBufferPointer(start: state, count: count)) }
        }
        try patchDisplacements()
    }

    /// The rounds of ``relaxInPlace()``: marks short (`state[i] = -1`) every jump that fits;
    /// returns whether any does. `ends` and `saved` are scratch for the layout of each round.
    private static func markShortJumps(
        _ fixups: UnsafeBufferPointer<Fixup>, labels: UnsafeBufferPointer<Int>, points: UnsafeBufferPointer<Int>,
        slack: UnsafeBufferPointer<Int>, state: UnsafeMutablePointer<Int>, ends: UnsafeMutablePointer<Int>,
        saved: UnsafeMutablePointer<Int>
    ) -> Bool {
        let count = fixups.count
        /// The worst padding of the alignment points in `low...high`: 15 bytes each, 63 for a
        /// point whose loop is kept in one cache line (`slack`: prefix sums, empty when none is).
        func padding(from low: Int, through high: Int) -> Int {
            guard low <= high, !points.isEmpty else { return 0 }
            let last = countAtOrBelow(high, in: points), first = countAtOrBelow(low - 1, in: points)
            return slack.isEmpty ? maximumPadding * (last - first) : slack[last] - slack[first]
        }
        var anyShort = false
        var previousTotal = 0
        var changed = true
        while changed {
            changed = false
            // The layout with the jumps marked short so far.
            var shortCount = 0
            var total = 0
            for index in 0..<count where state[index] < 0 {
                total += fixups[index].end - fixups[index].start - 2
                ends[shortCount] = fixups[index].end
                saved[shortCount] = total
                shortCount += 1
            }
            let layoutEnds = UnsafeBufferPointer(start: ends, count: shortCount)
            // The bytes this layout saves over the previous round's: how much closer any jump can
            // have come to fitting since then; a jump further than that from fitting is skipped.
            let closer = total - previousTotal
            previousTotal = total
            // Fix-ups are in emission order, so the shortened jumps ending at or before each
            // one's start are counted by walking along with it.
            var before = 0
            for index in 0..<count where state[index] >= 0 && fixups[index].jumpNumber != nil {
                if state[index] > closer {
                    state[index] -= closer
                    continue
                }
                let fixup = fixups[index]
                let target = labels[fixup.label.id]
                let below = countAtOrBelow(target, in: layoutEnds)
                let newTarget = target - (below == 0 ? 0 : saved[below - 1])
                while before < shortCount && ends[before] <= fixup.start { before += 1 }
                let newStart = fixup.start - (before == 0 ? 0 : saved[before - 1])
                // Forward: the bytes between the jump's end and the target do not depend on its
                // size; backward: as a 2-byte jump it would end at newStart + 2. Each alignment
                // point in between counts as the worst padding (forward: points at the jump's end
                // up to the target, whose label moves past the padding; backward: points after the
                // target up to the jump's start).
                let displacement = target >= fixup.end
                    ? newTarget - (newStart + (fixup.end - fixup.start)) + padding(from: fixup.end, through: target)
                    : newTarget - (newStart + 2) - padding(from: target + 1, through: fixup.start)
                if Int8(exactly: displacement) != nil {
                    state[index] = -1
                    changed = true
                    anyShort = true
                } else {
                    state[index] = displacement > 0 ? displacement - Int(Int8.max) : Int(Int8.min) - displacement
                }
            }
        }
        return anyShort
    }

    /// The final layout of ``relaxInPlace()``: rebuilds the bytes in order of the original
    /// offsets (each jump marked short in `state`, `E9 rel32` -> `EB rel8` and `0F 80+cc rel32`
    /// -> `70+cc rel8`, and each alignment point, NOPs up to the next 16-byte boundary of the new
    /// code; a point at a jump's start pads first), records the shifts for ``relocated(_:)``, and
    /// moves labels and fix-ups.
    private mutating func rebuild(shortened state: UnsafeBufferPointer<Int>) {
        let count = fixups.count
        var layout = Layout(points: alignmentPoints, loopSizes: loopSizes(shortened: state),
                            capacity: code.count + Self.maximumLoopPadding * alignmentPoints.count,
                            shifts: count + alignmentPoints.count)
        code.withUnsafeBufferPointer { code in
            fixups.withUnsafeBufferPointer { fixups in
                for index in 0..<count where state[index] < 0 {
                    let fixup = fixups[index]
                    layout.pad(code, upTo: fixup.start)
                    layout.copy(code, upTo: fixup.start)
                    if code[fixup.start] == 0xe9 {
                        layout.output.append(0xeb)
                    } else {
                        precondition(code[fixup.start] == 0x0f && code[fixup.start + 1] & 0xf0 == 0x80, "not a jump at \(fixup.start)")
                        layout.output.append(0x70 | (code[fixup.start + 1] & 0x0f))
                    }
                    layout.output.append(0)
                    layout.cursor = fixup.end
                    layout.shift -= fixup.end - fixup.start - 2
                    layout.offsets.append(fixup.end)
                    layout.totals.append(layout.shift)
                }
            }
            layout.pad(code, upTo: code.count)
            layout.copy(code, upTo: code.count)
        }
        code = layout.output
        shiftOffsets = layout.offsets
        shiftTotals = layout.totals
        let offsets = layout.offsets, totals = layout.totals
        fixups.withUnsafeMutableBufferPointer { fixups in
            var walker = ShiftWalker()
            for index in 0..<count {
                let fixup = fixups[index]
                let start = fixup.start + walker.saved(before: fixup.start, ends: offsets, saved: totals)
                if state[index] < 0 {
                    fixups[index] = Fixup(start: start, site: start + 1, end: start + 2, label: fixup.label, isShort: true,
                                          jumpNumber: fixup.jumpNumber)
                } else {
                    let move = start - fixup.start
                    fixups[index] = Fixup(start: start, site: fixup.site + move, end: fixup.end + move, label: fixup.label,
                                          isShort: false, jumpNumber: fixup.jumpNumber)
                }
            }
        }
        labelOffsets.withUnsafeMutableBufferPointer { labels in
            var walker = ShiftWalker()
            for id in labels.indices where labels[id] >= 0 {
                labels[id] += walker.saved(before: labels[id], ends: offsets, saved: totals)
            }
        }
    }

    /// Per alignment point, the relaxed length of the loop ``keepInOneCacheLine(from:)`` asked to
    /// keep in one line when it is at most a line long and holds no other point, else 0 (empty
    /// when no point has a loop).
    private func loopSizes(shortened state: UnsafeBufferPointer<Int>) -> [Int] {
        guard !loopEnds.isEmpty else { return [] }
        var sizes = Array(repeating: 0, count: alignmentPoints.count)
        for index in alignmentPoints.indices where loopEnds[index] > 0 {
            let start = alignmentPoints[index], end = loopEnds[index]
            if index + 1 < alignmentPoints.count && alignmentPoints[index + 1] < end { continue }
            var size = end - start
            // Fix-ups are in emission order: the shortened jumps inside the loop follow the first
            // one starting in it.
            var low = 0, high = fixups.count
            while low < high {
                let middle = (low + high) / 2
                if fixups[middle].start < start { low = middle + 1 } else { high = middle }
            }
            var jump = low
            while jump < fixups.count && fixups[jump].end <= end {
                if state[jump] < 0 { size -= fixups[jump].end - fixups[jump].start - 2 }
                jump += 1
            }
            if size <= Self.cacheLineSize { sizes[index] = size }
        }
        return sizes
    }

    /// The code being rebuilt by ``rebuild(shortened:)``: the new bytes, how far the old code is
    /// copied, the shift so far, and the shift table (each shortened jump's end and each padded
    /// alignment point, with the total shift up to it).
    private struct Layout {
        let points: [Int]
        /// Per point, the length of the loop to keep in one cache line, or 0 (empty: none).
        let loopSizes: [Int]
        var pointIndex = 0
        var output: [UInt8] = []
        var cursor = 0
        var shift = 0
        var offsets: [Int] = []
        var totals: [Int] = []

        init(points: [Int], loopSizes: [Int], capacity: Int, shifts: Int) {
            self.points = points
            self.loopSizes = loopSizes
            // Room for everything up front, so no array grows its way up.
            output.reserveCapacity(capacity)
            offsets.reserveCapacity(shifts)
            totals.reserveCapacity(shifts)
        }

        /// Copies the old code up to `end`.
        mutating func copy(_ code: UnsafeBufferPointer<UInt8>, upTo end: Int) {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: code[cursor..<end]))
            cursor = end
        }

        /// Pads every alignment point up to `limit` to the next 16-byte boundary of the new code,
        /// or to the next 64-byte boundary when its loop would otherwise cross one.
        mutating func pad(_ code: UnsafeBufferPointer<UInt8>, upTo limit: Int) {
            while pointIndex < points.count && points[pointIndex] <= limit {
                let point = points[pointIndex]
                let loopSize = loopSizes.isEmpty ? 0 : loopSizes[pointIndex]
                pointIndex += 1
                copy(code, upTo: point)
                var padding = (16 - output.count % 16) % 16
                let line = X86Assembler.cacheLineSize
                if loopSize > 0 && (output.count + padding) % line + loopSize > line {
                    padding = (line - output.count % line) % line
                }
                guard padding > 0 else { continue }
                X86Assembler.appendNOPPadding(padding, to: &output)
                shift += padding
                offsets.append(point)
                totals.append(shift)
            }
        }
    }

    // MARK: Raw bytes

    /// Appends one byte.
    public mutating func emit(_ byte: UInt8) { code.append(byte) }

    /// Appends bytes.
    public mutating func emit(_ bytes: [UInt8]) { code.append(contentsOf: bytes) }

    /// Appends a little-endian 16-bit value.
    public mutating func emit16(_ value: UInt16) {
        code.append(UInt8(truncatingIfNeeded: value))
        code.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends a little-endian 32-bit value.
    public mutating func emit32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { code.append(contentsOf: $0) }
    }

    /// Appends a little-endian 64-bit value.
    public mutating func emit64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { code.append(contentsOf: $0) }
    }

    // MARK: Encoding core

    /// The r/m operand of a ModRM-encoded instruction.
    public enum RegisterOrMemory: Sendable, Hashable {
        case register(X86Register)
        case memory(X86Memory)
    }

    /// Emits `[F0] [66] [REX] [0F] opcode ModRM [SIB] [disp8/disp32]` — the single place where the
    /// REX, ModRM, SIB and displacement rules live:
    /// - REX only when needed: W for 64-bit operands, R/X/B for r8–r15, and a bare `40` when an
    ///   8-bit operand is spl/bpl/sil/dil (which would otherwise mean ah/ch/dh/bh).
    /// - A base of rsp or r12 (low bits 100) needs a SIB byte, since r/m = 100 means "SIB follows".
    /// - A base of rbp or r13 (low bits 101) with mod 00 would mean RIP-relative/disp32, so a zero
    ///   displacement is encoded as disp8 0.
    /// - Displacements in -128...127 use disp8, others disp32.
    ///
    /// - Parameters:
    ///   - escaped: the opcode is in the two-byte map (preceded by 0F).
    ///   - escaped38: the opcode is in the three-byte map 0F 38 (`movbe`).
    ///   - reg: a register number or an opcode extension (`/digit`), 0–15.
    public mutating func encode(
        lock: Bool = false, operandSizePrefix: Bool = false, rexW: Bool,
        escaped: Bool = false, escaped38: Bool = false, opcode: UInt8, reg: UInt8, regIsByte: Bool = false,
        rm: RegisterOrMemory, rmIsByte: Bool = false
    ) {
        if lock { emit(0xf0) }
        if operandSizePrefix { emit(0x66) }
        var rex: UInt8 = 0
        if rexW { rex |= 0x08 }
        if reg & 8 != 0 { rex |= 0x04 }
        var forceREX = regIsByte && (4...7).contains(reg)
        switch rm {
        case .register(let register):
            if register.isExtended { rex |= 0x01 }
            if rmIsByte && register.byteFormNeedsREX { forceREX = true }
        case .memory(let memory):
            if memory.base.isExtended { rex |= 0x01 }
            if let index = memory.index, index.isExtended { rex |= 0x02 }
        }
        if rex != 0 || forceREX { emit(0x40 | rex) }
        if escaped || escaped38 { emit(0x0f) }
        if escaped38 { emit(0x38) }
        emit(opcode)
        emitModRM(reg: reg & 7, rm: rm)
    }

    /// ModRM, SIB and displacement for `rm` (REX already emitted).
    private mutating func emitModRM(reg: UInt8, rm: RegisterOrMemory) {
        switch rm {
        case .register(let register):
            emit(0xc0 | reg << 3 | register.low3)
        case .memory(let memory):
            let needsSIB = memory.index != nil || memory.base.low3 == 4
            let displacement = memory.displacement
            let mod: UInt8
            if displacement == 0 && memory.base.low3 != 5 {
                mod = 0
            } else if Int8(exactly: displacement) != nil {
                mod = 1
            } else {
                mod = 2
            }
            emit(mod << 6 | reg << 3 | (needsSIB ? 4 : memory.base.low3))
            if needsSIB {
                let scaleBits: UInt8 = switch memory.scale {
                case 1: 0
                case 2: 1
                case 4: 2
                default: 3
                }
                emit(scaleBits << 6 | (memory.index?.low3 ?? 4) << 3 | memory.base.low3)
            }
            if mod == 1 {
                emit(UInt8(bitPattern: Int8(displacement)))
            } else if mod == 2 {
                emit32(UInt32(bitPattern: displacement))
            }
        }
    }

    /// Emits an optional REX prefix for instructions that encode a register in the opcode byte
    /// (`push`, `pop`, `bswap`, `mov r, imm`, `xchg rax, r`).
    mutating func emitREXForOpcodeRegister(_ register: X86Register, rexW: Bool) {
        var rex: UInt8 = 0
        if rexW { rex |= 0x08 }
        if register.isExtended { rex |= 0x01 }
        if rex != 0 { emit(0x40 | rex) }
    }
}
