import Testing
import PcapOracle
@Test func probe() {
    #if Libpcap
    print("TRAIT ON", probeVersion())
    #else
    print("TRAIT OFF", probeVersion())
    #endif
    #expect(!probeVersion().isEmpty)
}
