#if Libpcap
import CPcap
public func probeVersion() -> String { String(cString: pcap_lib_version()) }
#else
public func probeVersion() -> String { "none" }
#endif
