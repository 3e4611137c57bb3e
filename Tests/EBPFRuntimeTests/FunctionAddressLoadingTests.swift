import EBPF
import Testing

/// The ELF loader turns clang's `&callback` (an `R_BPF_64_64` relocation into `.text`) into a
/// function-address `lddw` whose target is the callback's first slot.
@Suite struct FunctionAddressLoadingTests {
    @Test(arguments: ["xdp_loop_sum", "xdp_loop_ext_headers", "xdp_loop_scan"])
    func callbackAddressesLoad(name: String) throws {
        let object = try XDPCorpus.object(name)
        let program = try #require(object.program(named: name)).program
        let decoded = program.decoded
        let loads = decoded.slots.indices.filter { decoded.functionAddressTarget(at: $0) != nil }
        #expect(!loads.isEmpty)
        for pc in loads {
            #expect(program.instructions[pc].src == LoadImmediateKind.codeAddress.rawValue)
            #expect(decoded.staticTraps[pc] == nil)
            let target = try #require(decoded.functionAddressTarget(at: pc))
            #expect(decoded.controlFlow.subprogramStarts.contains(target))
            #expect(decoded.controlFlow.functionAddressTargets.contains(target))
            // The callback ends the program's code and is reachable through the reference.
            #expect(target > pc && decoded.controlFlow.isReachable[target])
        }
    }
}
