/// Stable, realistic-looking identifiers for simulated runtime objects:
/// container IDs, image digests, pod IPs.
enum SimIDs {
    /// 64-bit FNV-1a.
    static func fnv64(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    /// 32-bit FNV-1a (what the controllers' pod-template-hash uses).
    static func fnv32a(_ bytes: [UInt8]) -> UInt32 {
        var h: UInt32 = 0x811c_9dc5
        for b in bytes {
            h ^= UInt32(b)
            h = h &* 0x0100_0193
        }
        return h
    }

    /// 64 hex digits derived from `seed`.
    static func hex64(_ seed: String) -> String {
        var out = ""
        var x = fnv64(seed)
        for _ in 0..<4 {
            x = x &+ 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z = z ^ (z >> 31)
            let h = String(z, radix: 16)
            out += String(repeating: "0", count: 16 - h.count) + h
        }
        return out
    }

    static func containerID(podUID: String, container: String, run: Int) -> String {
        "containerd://" + hex64("\(podUID)/\(container)/\(run)")
    }

    /// `nginx` → `docker.io/library/nginx:latest`, as containerd reports it.
    static func normalizedImage(_ image: String) -> String {
        var name = image
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 1 {
            name = "docker.io/library/" + name
        } else if let first = parts.first, !first.contains("."), !first.contains(":"), first != "localhost" {
            name = "docker.io/" + name
        }
        let last = name.split(separator: "/").last ?? ""
        if !last.contains(":") && !name.contains("@") { name += ":latest" }
        return name
    }

    /// `docker.io/library/nginx@sha256:…`.
    static func imageID(_ image: String) -> String {
        let n = normalizedImage(image)
        var repo = n
        if let at = n.firstIndex(of: "@") {
            return n.hasPrefix("docker.io/") || n.contains("/") ? n : String(n[..<at])
        }
        if let colon = n.lastIndex(of: ":"), !n[colon...].contains("/") { repo = String(n[..<colon]) }
        return repo + "@sha256:" + hex64("image:" + n)
    }

    /// The n-th pod IP of the node's pod CIDR 10.244.0.0/16.
    static func podIP(_ n: Int) -> String {
        let k = n % (256 * 254)
        return "10.244.\(k / 254).\(k % 254 + 1)"
    }

    /// `rand.SafeEncodeString`: maps each character to an alphabet without
    /// vowels so generated names never spell words.
    static func safeEncode(_ s: String) -> String {
        let alphanums = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(s.utf8.map { alphanums[Int($0) % alphanums.count] })
    }

    /// A pod-template-hash for a template: FNV-32a of its canonical JSON
    /// (without the hash label), plus the collision count, safe-encoded like
    /// `controller.ComputeHash`.
    static func templateHash(_ template: JSON, collisionCount: Int64? = nil) -> String {
        var t = template
        t[path: ["metadata", "labels", "pod-template-hash"]] = nil
        var bytes = t.serialized()
        if let c = collisionCount { bytes += Array(String(c).utf8) }
        return safeEncode(String(fnv32a(bytes)))
    }
}
