import EBPFCore

/// ALU and ALU64 instructions, including pointer arithmetic.
extension AbstractInterpreter {
    /// The kernel's operator spelling, for messages (`bpf_alu_string`).
    static func operatorText(_ operation: ALUOperation) -> String {
        switch operation {
        case .add: "+="
        case .sub: "-="
        case .mul: "*="
        case .div: "/="
        case .or: "|="
        case .and: "&="
        case .lsh: "<<="
        case .rsh: ">>="
        case .neg: "neg"
        case .mod: "%="
        case .xor: "^="
        case .mov: "="
        case .arsh: "s>>="
        case .end: "endian"
        }
    }

    func executeALU(_ instruction: Instruction, _ descriptor: OpcodeDescriptor) throws(VerifierError) {
        let is32 = instruction.instructionClass == .alu
        let operation = ALUOperation(rawValue: instruction.opcode & 0xf0)!
        let dst = instruction.dst
        let usesRegister = descriptor.shape == .dstSource

        switch operation {
        case .mov:
            try executeMove(instruction, is32: is32, usesRegister: usesRegister)
            return
        case .neg:
            let value = try read(dst)
            if let bounds = value.scalarBounds {
                try write(dst, .scalar(ScalarBounds.negate(bounds, is32: is32), id: 0))
            } else {
                try write(dst, .scalar(is32 ? .unsigned(upTo: UInt64(UInt32.max)) : .unknown, id: 0))
            }
            return
        case .end:
            let value = try read(dst)
            let width = Int(instruction.immediate)
            let bounds = value.scalarBounds ?? .unknown
            let result: ScalarBounds
            if instruction.opcode == 0xd4 {
                result = bounds.truncated(toBits: width)
            } else {
                result = bounds.byteSwapped(bits: width)
            }
            try write(dst, .scalar(result, id: 0))
            return
        default:
            break
        }

        let left = try read(dst)
        let right: RegisterValue
        if usesRegister {
            right = try read(instruction.src)
        } else {
            right = .constant(UInt64(bitPattern: Int64(instruction.immediate)))
        }
        let isSigned = instruction.offset == 1

        if operation == .div || operation == .mod, usesRegister {
            if let divisor = right.scalarBounds {
                let effective = is32 ? divisor.truncated(toBits: 32) : divisor
                if effective.mayBeZero { divisorMayBeZero[pc] = true }
            } else {
                divisorMayBeZero[pc] = true
            }
        }

        switch (left, right) {
        case (.scalar(let a, _), .scalar(let b, _)):
            let result = ScalarBounds.binary(operation, isSigned: isSigned, is32: is32, a, b)
            try write(dst, .scalar(result, id: 0))
        case (.pointer(let pointer), .scalar(let scalar, let scalarID)):
            try write(dst, pointerArithmetic(pointer, operation, scalar, scalarID: scalarID, is32: is32, pointerRegister: dst))
        case (.scalar(let scalar, let scalarID), .pointer(let pointer)):
            if is32 { throw error("R\(dst) 32-bit pointer arithmetic prohibited") }
            switch operation {
            case .add:
                try write(dst, pointerArithmetic(pointer, .add, scalar, scalarID: scalarID, is32: false, pointerRegister: dst))
            case .sub:
                throw error("R\(dst) tried to subtract pointer from scalar")
            default:
                throw prohibitedPointerOperation(operation, register: dst)
            }
        case (.pointer, .pointer):
            if operation == .sub {
                // Pointer difference: a number the program may use, never dereference.
                try write(dst, is32 ? .scalar(.unsigned(upTo: UInt64(UInt32.max)), id: 0) : .unknownScalar)
            } else {
                throw error("R\(dst) pointer \(Self.operatorText(operation)) pointer prohibited")
            }
        default:
            throw error("R\(dst) !read_ok")
        }
    }

    private func executeMove(_ instruction: Instruction, is32: Bool, usesRegister: Bool) throws(VerifierError) {
        let dst = instruction.dst
        guard usesRegister else {
            let immediate = Int64(instruction.immediate)
            let value = is32 ? UInt64(UInt32(bitPattern: Int32(immediate))) : UInt64(bitPattern: immediate)
            try write(dst, .constant(value))
            return
        }
        let source = try read(instruction.src)
        let signExtendBits = Int(instruction.offset)
        if signExtendBits != 0 {
            // movsx: only the low bits of the source matter, so a pointer becomes a number.
            let bounds = source.scalarBounds ?? .unknown
            var result = bounds.signExtended(fromBits: signExtendBits)
            if is32 { result = result.truncated(toBits: 32) }
            try write(dst, .scalar(result, id: 0))
            return
        }
        if is32 {
            let bounds = source.scalarBounds ?? .unknown
            try write(dst, .scalar(bounds.truncated(toBits: 32), id: 0))
            return
        }
        if case .scalar(let bounds, let id) = source, id == 0, !bounds.isConstant {
            // Link the copies so that a comparison of either refines both.
            let linked = RegisterValue.scalar(bounds, id: freshID())
            state[register: Int(instruction.src)] = linked
            try write(dst, linked)
            return
        }
        try write(dst, source)
    }

    private func prohibitedPointerOperation(_ operation: ALUOperation, register: UInt8) -> VerifierError {
        switch operation {
        case .and, .or, .xor, .lsh, .rsh, .arsh:
            error("R\(register) bitwise operator \(Self.operatorText(operation)) on pointer prohibited")
        default:
            error("R\(register) pointer arithmetic with \(Self.operatorText(operation)) operator prohibited")
        }
    }

    /// `pointer op scalar` (and `scalar + pointer`).
    private func pointerArithmetic(
        _ pointer: PointerValue, _ operation: ALUOperation, _ scalar: ScalarBounds, scalarID: UInt32, is32: Bool,
        pointerRegister: UInt8
    ) throws(VerifierError) -> RegisterValue {
        if is32 {
            if operation == .sub { return .scalar(.unsigned(upTo: UInt64(UInt32.max)), id: 0) }
            throw error("R\(pointerRegister) 32-bit pointer arithmetic prohibited")
        }
        guard operation == .add || operation == .sub else {
            throw prohibitedPointerOperation(operation, register: pointerRegister)
        }
        if pointer.maybeNull {
            throw error("R\(pointerRegister) pointer arithmetic on \(pointer.typeName) prohibited, null-check it first")
        }
        guard pointer.allowsArithmetic else {
            throw error("R\(pointerRegister) pointer arithmetic on \(pointer.typeName) prohibited")
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
                throw error("math between \(pointer.typeName) pointer and \(value) is not allowed")
            }
            let offset = operation == .add ? pointer.fixedOffset + value : pointer.fixedOffset - value
            guard offset > -Self.maxVariableOffset, offset < Self.maxVariableOffset else {
                throw error("value \(value) makes \(pointer.typeName) pointer be out of bounds")
            }
            result.fixedOffset = offset
            return .pointer(result)
        }
        if operation == .add ? scalar.signedMin == .min : scalar.signedMax == .max {
            throw error(
                "math between \(pointer.typeName) pointer and register with unbounded \(operation == .add ? "min" : "max") value is not allowed")
        }
        let variable =
            operation == .add
            ? ScalarBounds.add(pointer.variableOffset, scalar) : ScalarBounds.subtract(pointer.variableOffset, scalar)
        guard variable.signedMin > -Self.maxVariableOffset, variable.signedMin < Self.maxVariableOffset else {
            throw error("value \(variable.signedMin) makes \(pointer.typeName) pointer be out of bounds")
        }
        result.variableOffset = variable
        if case .packet = pointer.region {
            // A new variable part: bounds proven for the old pointer do not apply.
            result.id = freshID()
            result.range = 0
        }
        return .pointer(result)
    }
}
