import Testing

@testable import VigilControllers

/// A Job check's names and labels stay within Kubernetes' limits and
/// distinct for long HealthCheck names.
@Suite struct HealthCheckJobNameTests {
    @Test func shortNamesAreKeptAsWritten() {
        #expect(HealthCheckReconciler.jobName("dns", run: 7) == "dns-7")
        #expect(HealthCheckReconciler.labelValue("dns") == "dns")
    }

    @Test func longNamesAreCutWithAHashAndStayDistinct() {
        let a = String(repeating: "a", count: 60) + "-first.check"
        let b = String(repeating: "a", count: 60) + "-second.check"
        let ja = HealthCheckReconciler.jobName(a, run: 12345)
        let jb = HealthCheckReconciler.jobName(b, run: 12345)
        #expect(ja.count <= 63 && jb.count <= 63)
        #expect(ja != jb)
        #expect(ja.hasSuffix("-12345") && ja.hasPrefix(String(repeating: "a", count: 40)))
        let la = HealthCheckReconciler.labelValue(a)
        #expect(la.count <= 63 && la != HealthCheckReconciler.labelValue(b))
        #expect(la.last!.isLetter || la.last!.isNumber, "a label value ends in an alphanumeric")
    }
}
