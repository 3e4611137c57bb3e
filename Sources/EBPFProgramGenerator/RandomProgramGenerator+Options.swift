extension RandomProgramGenerator {
    /// What the generator may emit and how much of it.
    public struct Options: Sendable, Hashable {
        /// Instructions per function, roughly (constructs already open are always closed).
        public var instructionsPerFunction: ClosedRange<Int> = 24...96
        /// Bytes of input memory (0 allowed: R1 is then 0 and no buffer access is generated).
        public var memorySize: ClosedRange<Int> = 0...128
        /// Bounded loops: a counter in R6–R8 set to a small constant, stepped once per iteration,
        /// and a back-edge while it has not reached its limit.
        public var loops = true
        /// Iterations of one loop, at most.
        public var maxLoopIterations = 6
        /// Conditionals and loops nested in each other, at most.
        public var maxNesting = 3
        /// Local functions (`call local`); they only call functions laid out after them, so the
        /// call graph is acyclic and at most `maxLocalFunctions + 1` frames deep.
        public var localCalls = true
        /// Local functions besides the entry function, at most (values above 7 act as 7, so the
        /// call depth limit of 8 frames is never reached).
        public var maxLocalFunctions = 3
        /// Calls to ``TestHelpers`` with `call N`.
        public var helperCalls = true
        /// Calls to ``TestHelpers`` with `callx` (helper id in a register).
        public var registerCalls = true
        /// Atomic operations on the stack.
        public var atomics = true
        /// Legacy packet loads (`ldabs*`, `ldind*`). An out-of-range one ends the program with R0 = 0.
        public var packetLoads = true
        /// Immediates the Linux verifier refuses are avoided when `true`: shift counts outside
        /// the operand width and zero divisors. The shared run-time semantics define both, so the
        /// default is `false`.
        public var kernelCompatibleImmediates = false
        /// Roughly the most instructions a safe program executes: the generator keeps a running
        /// estimate (each loop multiplies its body's count, each call adds the callee's) and does
        /// not start a loop or a call that would go past it. A loop's body is estimated before it
        /// is generated, so the actual count can exceed this by a small factor.
        public var maxExecutedInstructions = 4_000
        /// Percentage of statements replaced by a hazard (0 generates only safe programs).
        public var hazardPercent = 0
        /// Keep every register live: each function defines all of R0–R8 after its prologue and
        /// R1–R5 again after every call, and its return folds all of them into R0, so R0–R9 hold
        /// values the result depends on across helper calls, divisions and shifts (what a JIT's
        /// register assignment, saves around calls and clobbers of rax/rdx/rcx must get right).
        public var keepsRegistersLive = false
        /// Relative frequency of each kind of statement.
        public var weights = Weights()

        public init() {}

        /// Every feature, safe programs only.
        public static let `default` = Options()

        /// No loops and no calls: straight-line code with forward branches only.
        public static var straightLine: Options {
            var options = Options()
            options.loops = false
            options.localCalls = false
            options.helperCalls = false
            options.registerCalls = false
            return options
        }

        /// Every feature plus hazards in about one statement in twelve. Run with a small
        /// instruction budget: some of these programs loop forever.
        public static var unsafe: Options {
            var options = Options()
            options.hazardPercent = 8
            return options
        }
    }

    /// Relative frequencies of the statements the generator emits; zero disables one.
    public struct Weights: Sendable, Hashable {
        public var alu = 30
        public var wideConstant = 4
        public var conditional = 8
        public var loop = 3
        public var stackStore = 8
        public var stackLoad = 8
        public var bufferStore = 5
        public var bufferLoad = 6
        public var atomic = 4
        public var localCall = 4
        public var helperCall = 3
        public var packetLoad = 2
        /// A computed index checked against a bound that lets the access reach the input
        /// memory's last byte (`if i > bound goto skip; p = mem + i; *(p + off)`). 0 by default.
        public var guardedBufferAccess = 0
        /// A masked index into a stack array that reaches up to the frame's last byte. 0 by default.
        public var stackIndexedAccess = 0
        /// A masked index stored to the stack in 1, 2 or 4 bytes, loaded back and used to read the
        /// input memory up to its last byte. 0 by default.
        public var narrowSpill = 0

        public init() {}
    }
}
