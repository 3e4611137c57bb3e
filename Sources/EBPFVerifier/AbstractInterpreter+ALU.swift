import EBPFCore

/// ALU and ALU64 instructions, including pointer arithmetic.
extension AbstractInterpreter {
    /// The kernel's operator spelling, for messages (`bpf_alu_string`); the signed division forms
    /// are spelled as the unsigned ones.
    static func operatorText(_ operation: BinaryOperator) -> String {
        switch operation {
        case .add: "+="
        case .sub: "-="
        case .mul: "*="
        case .div, .sdiv: "/="
        case .or: "|="
        case .and: "&="
        case .lsh: "<<="
        case .rsh: ">>="
        case .mod, .smod: "%="
        case .xor: "^="
        case .mov: "="
        case .arsh: "s>>="
        }
    }

    func executeALU(_ operation: BinaryOperator, is32: Bool, dst: UInt8, source: Operand) throws(VerifierError) {
        if operation == .mov {
            try executeMove(is32: is32, dst: dst, source: source)
            return
        }
        let left = try read(dst)
        let right: RegisterValue
        switch source {
        case .register(let src): right = try read(src)
        case .immediate(let immediate): right = .constant(UInt64(bitPattern: Int64(immediate)))
        }

        if operation.isDivision, source.register != nil {
            if let divisor = right.scalarBounds {
                let effective = is32 ? divisor.truncated(toBits: 32) : divisor
                if effective.mayBeZero { divisorMayBeZero[pc] = true }
            } else {
                divisorMayBeZero[pc] = true
            }
        }

        switch (left, right) {
        case (.scalar(let a, _), .scalar(let b, _)):
            let result = ScalarBounds.binary(operation, is32: is32, a, b)
            try write(dst, .scalar(result, id: 0))
        case (.pointer(let pointer), .scalar(let scalar, let scalarID)):
            try write(dst, pointerArithmetic(pointer, operation, scalar, scalarID: scalarID, is32: is32, pointerRegister: dst))
        case (.scalar(let scalar, let scalarID), .pointer(let pointer)):
            if is32 { throw error(.safetyViolation, "R\(dst) 32-bit pointer arithmetic prohibited") }
            switch operation {
            case .add:
                try write(dst, pointerArithmetic(pointer, .add, scalar, scalarID: scalarID, is32: false, pointerRegister: dst))
            case .sub:
                throw error(.safetyViolation, "R\(dst) tried to subtract pointer from scalar")
            default:
                throw prohibitedPointerOperation(operation, register: dst)
            }
        case (.pointer, .pointer):
            if operation == .sub {
                // Pointer difference: a number the program may use, never dereference.
                try write(dst, is32 ? .scalar(.unsigned(upTo: UInt64(UInt32.max)), id: 0) : .unknownScalar)
            } else {
                throw error(.safetyViolation, "R\(dst) pointer \(Self.operatorText(operation)) pointer prohibited")
            }
        default:
            throw error(.safetyViolation, "R\(dst) !read_ok")
        }
    }

    /// `neg`: a scalar's bounds are negated; a pointer becomes an unknown number.
    func executeNegate(is32: Bool, dst: UInt8) throws(VerifierError) {
        let value = try read(dst)
        if let bounds = value.scalarBounds {
            try write(dst, .scalar(ScalarBounds.negate(bounds, is32: is32), id: 0))
        } else {
            try write(dst, .scalar(is32 ? .unsigned(upTo: UInt64(UInt32.max)) : .unknown, id: 0))
        }
    }

    /// `le`/`be`/`bswap`: only the low bits stay, in the same or the reversed byte order.
    func executeByteSwap(_ swap: ByteSwap, dst: UInt8) throws(VerifierError) {
        let value = try read(dst)
        let bounds = value.scalarBounds ?? .unknown
        let result = swap.reversesBytes ? bounds.byteSwapped(bits: swap.bits) : bounds.truncated(toBits: swap.bits)
        try write(dst, .scalar(result, id: 0))
    }

    /// `movsx`: only the low bits of the source matter, so a pointer becomes a number.
    func executeMoveSignExtended(is32: Bool, dst: UInt8, src: UInt8, fromBits bits: Int) throws(VerifierError) {
        let source = try read(src)
        let bounds = source.scalarBounds ?? .unknown
        var result = bounds.signExtended(fromBits: bits)
        if is32 { result = result.truncated(toBits: 32) }
        try write(dst, .scalar(result, id: 0))
    }

    private func executeMove(is32: Bool, dst: UInt8, source: Operand) throws(VerifierError) {
        let src: UInt8
        switch source {
        case .immediate(let immediate):
            let value = is32 ? UInt64(UInt32(bitPattern: immediate)) : UInt64(bitPattern: Int64(immediate))
            try write(dst, .constant(value))
            return
        case .register(let register):
            src = register
        }
        let value = try read(src)
        if is32 {
            let bounds = value.scalarBounds ?? .unknown
            try write(dst, .scalar(bounds.truncated(toBits: 32), id: 0))
            return
        }
        if case .scalar(let bounds, let id) = value, id == 0, !bounds.isConstant {
            // Link the copies so that a comparison of either refines both.
            let linked = RegisterValue.scalar(bounds, id: freshID())
            state[register: Int(src)] = linked
            try write(dst, linked)
            return
        }
        try write(dst, value)
    }

    private func prohibitedPointerOperation(_ operation: BinaryOperator, register: UInt8) -> VerifierError {
        switch operation {
        case .and, .or, .xor, .lsh, .rsh, .arsh:
            error(.safetyViolation, "R\(register) bitwise operator \(Self.operatorText(operation)) on pointer prohibited")
        default:
            error(.safetyViolation, "R\(register) pointer arithmetic with \(Self.operatorText(operation)) operator prohibited")
        }
    }

    /// `pointer op scalar` (and `scalar + pointer`).
    private func pointerArithmetic(
        _ pointer: PointerValue, _ operation: BinaryOperator, _ scalar: ScalarBounds, scalarID: UInt32, is32: Bool,
        pointerRegister: UInt8
    ) throws(VerifierError) -> RegisterValue {
        if is32 {
            if operation == .sub { return .scalar(.unsigned(upTo: UInt64(UInt32.max)), id: 0) }
            throw error(.safetyViolation, "R\(pointerRegister) 32-bit pointer arithmetic prohibited")
        }
        guard operation == .add || operation == .sub else {
            throw prohibitedPointerOperation(operation, register: pointerRegister)
        }
        if pointer.maybeNull {
            throw error(.safetyViolation, "R\(pointerRegister) pointer arithmetic on \(pointer.typeName) prohibited, null-check it first")
        }
        guard pointer.allowsArithmetic else {
            throw error(.safetyViolation, "R\(pointerRegister) pointer arithmetic on \(pointer.typeName) prohibited")
        }
        // Start of the memory plus its length: the end pointer.
        if operation == .add, scalarID == Self.memoryLengthID, case .packet = pointer.region,
            pointer.fixedOffset == 0, pointer.variableOffset.constantValue == 0
        {
            return .pointer(PointerValue(region: .packetEnd))
        }
        var result = pointer
        if let constant = scalar.constantValue {
            let value = Int64(bitPattern: constant)
            guard value > -Self.maxVariableOffset, value < Self.maxVariableOffset else {
                throw error(.safetyViolation, "math between \(pointer.typeName) pointer and \(value) is not allowed")
            }
            let offset = operation == .add ? pointer.fixedOffset + value : pointer.fixedOffset - value
            guard offset > -Self.maxVariableOffset, offset < Self.maxVariableOffset else {
                throw error(.safetyViolation, "value \(value) makes \(pointer.typeName) pointer be out of bounds")
            }
            result.fixedOffset = offset
            return .pointer(result)
        }
        if operation == .add ? scalar.signedMin == .min : scalar.signedMax == .max {
            throw error(
                .safetyViolation,
                "math between \(pointer.typeName) pointer and register with unbounded \(operation == .add ? "min" : "max") value is not allowed")
        }
        let variable =
            operation == .add
            ? ScalarBounds.add(pointer.variableOffset, scalar) : ScalarBounds.subtract(pointer.variableOffset, scalar)
        guard variable.signedMin > -Self.maxVariableOffset, variable.signedMin < Self.maxVariableOffset else {
            throw error(.safetyViolation, "value \(variable.signedMin) makes \(pointer.typeName) pointer be out of bounds")
        }
        result.variableOffset = variable
        if pointer.hasPacketRange {
            // A new variable part: bounds proven for the old pointer do not apply.
            result.id = freshID()
            result.range = 0
        }
        return .pointer(result)
    }
}
