/// The fields of `struct __sk_buff` a socket filter or tc program may write, as a run left them
/// (``SocketBufferResult/fields``): what the kernel keeps in the `sk_buff` for the layers after
/// the program. Each starts at 0, as in the kernel's test run. The kernel keeps `queue_mapping`,
/// `tc_index` and `tc_classid` in 16 bits, and so does the runtime: a store keeps the low half.
///
/// The kernel's `BPF_PROG_TEST_RUN` gives `mark`, `priority` and `cb[]` back in `ctx_out`; the
/// others it does not report.
public struct SocketBufferFields: Sendable, Hashable, CustomStringConvertible {
    /// `skb->mark` (tc programs write it).
    public var mark: UInt32
    /// `skb->priority` (tc).
    public var priority: UInt32
    /// `skb->queue_mapping` (tc).
    public var queueMapping: UInt32
    /// `skb->tc_index` (tc).
    public var tcIndex: UInt32
    /// `skb->tc_classid` (tc).
    public var tcClassID: UInt32
    /// `skb->cb[0..4]`, the 20 bytes of scratch space every skb program may write.
    public var cb: [UInt32]

    public init(
        mark: UInt32 = 0, priority: UInt32 = 0, queueMapping: UInt32 = 0, tcIndex: UInt32 = 0, tcClassID: UInt32 = 0,
        cb: [UInt32] = [0, 0, 0, 0, 0]
    ) {
        self.mark = mark
        self.priority = priority
        self.queueMapping = queueMapping
        self.tcIndex = tcIndex
        self.tcClassID = tcClassID
        self.cb = cb
    }

    /// Reads the fields from a run's block (``SocketBufferContext``).
    init(block: UnsafeRawPointer) {
        func word(_ offset: Int) -> UInt32 { block.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        self.init(
            mark: word(8), priority: word(32), queueMapping: word(12), tcIndex: word(44), tcClassID: word(72),
            cb: (0..<5).map { word(48 + 4 * $0) })
    }

    /// The fields that are not 0, as `name=value` separated by spaces (`mark=6 cb[0]=60`); empty
    /// when every field is 0.
    public var description: String {
        var parts: [String] = []
        for (name, value) in [("mark", mark), ("priority", priority), ("queue_mapping", queueMapping), ("tc_index", tcIndex), ("tc_classid", tcClassID)]
        where value != 0 {
            parts.append("\(name)=\(value)")
        }
        for (index, value) in cb.enumerated() where value != 0 { parts.append("cb[\(index)]=\(value)") }
        return parts.joined(separator: " ")
    }
}
