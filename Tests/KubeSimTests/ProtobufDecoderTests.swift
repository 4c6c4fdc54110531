import Testing

@testable import KubeSim

/// A minimal protobuf writer for building test bodies.
struct PB {
    var bytes: [UInt8] = []

    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    func int(_ n: Int, _ v: Int64) -> PB {
        var c = self
        c.bytes += PB.varint(UInt64(n << 3)) + PB.varint(UInt64(bitPattern: v))
        return c
    }
    func bool(_ n: Int, _ v: Bool) -> PB { int(n, v ? 1 : 0) }
    func raw(_ n: Int, _ payload: [UInt8]) -> PB {
        var c = self
        c.bytes += PB.varint(UInt64(n << 3 | 2)) + PB.varint(UInt64(payload.count)) + payload
        return c
    }
    func str(_ n: Int, _ s: String) -> PB { raw(n, Array(s.utf8)) }
    func msg(_ n: Int, _ m: PB) -> PB { raw(n, m.bytes) }
    func entry(_ n: Int, _ k: String, _ v: String) -> PB { msg(n, PB().str(1, k).str(2, v)) }

    /// The full request body: magic + runtime.Unknown envelope.
    static func body(_ apiVersion: String, _ kind: String, _ object: PB) -> [UInt8] {
        [0x6b, 0x38, 0x73, 0x00]
            + PB().msg(1, PB().str(1, apiVersion).str(2, kind)).msg(2, object).str(3, "").str(4, "").bytes
    }
}

@Suite struct ProtobufDecoderTests {
    func decode(_ apiVersion: String, _ kind: String, _ object: PB) throws -> String {
        try KubeProtobuf.decode(PB.body(apiVersion, kind, object)).serializedString
    }

    @Test func namespaceWithEmptyGoFields() throws {
        let meta = PB().str(1, "foo").str(2, "").msg(8, PB())
        let ns = PB().msg(1, meta).msg(2, PB()).msg(3, PB())
        #expect(
            try decode("v1", "Namespace", ns)
                == #"{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"foo","creationTimestamp":null},"spec":{},"status":{}}"#
        )
    }

    @Test func deploymentWithZeroReplicasAndStrategy() throws {
        let container = PB().str(1, "nginx").str(2, "nginx:1.25").msg(8, PB()).str(13, "/dev/termination-log")
        let podSpec = PB().msg(2, container).str(3, "Always")
        let selector = PB().entry(1, "app", "web")
        let rolling = PB().msg(1, PB().int(1, 1).str(3, "25%")).msg(2, PB().int(1, 0).int(2, 1))
        let spec = PB().int(1, 0).msg(2, selector).msg(3, PB().msg(2, podSpec)).msg(4, PB().str(1, "RollingUpdate").msg(2, rolling))
            .int(6, 10)
        let out = try decode("apps/v1", "Deployment", PB().msg(1, PB().str(1, "web")).msg(2, spec))
        #expect(
            out
                == #"{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"nginx","image":"nginx:1.25","resources":{},"terminationMessagePath":"/dev/termination-log"}],"restartPolicy":"Always"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":1}},"revisionHistoryLimit":10},"status":{}}"#
        )
    }

    @Test func secretDataIsBase64AndMapKeysSorted() throws {
        let secret = PB().msg(1, PB().str(1, "s").entry(11, "z", "1").entry(11, "a", "2"))
            .msg(2, PB().str(1, "b").raw(2, [0, 255, 1]))
            .msg(2, PB().str(1, "a").raw(2, Array("hi".utf8)))
            .str(3, "Opaque").bool(5, false)
        #expect(
            try decode("v1", "Secret", secret)
                == #"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","creationTimestamp":null,"labels":{"a":"2","z":"1"}},"immutable":false,"data":{"a":"aGk=","b":"AP8B"},"type":"Opaque"}"#
        )
    }

    @Test func deleteOptionsUnderAnyGroupVersion() throws {
        let opts = PB().int(1, 0).msg(2, PB().str(1, "uid-1").str(2, "42")).str(4, "Foreground").str(5, "All")
        #expect(
            try decode("apps/v1", "DeleteOptions", opts)
                == #"{"kind":"DeleteOptions","apiVersion":"apps/v1","gracePeriodSeconds":0,"preconditions":{"uid":"uid-1","resourceVersion":"42"},"propagationPolicy":"Foreground","dryRun":["All"]}"#
        )
    }

    @Test func evictionAndScale() throws {
        let eviction = PB().msg(1, PB().str(1, "p1").str(3, "default")).msg(2, PB().int(1, 5))
        #expect(
            try decode("policy/v1", "Eviction", eviction)
                == #"{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"p1","namespace":"default","creationTimestamp":null},"deleteOptions":{"gracePeriodSeconds":5}}"#
        )
        let scale = PB().msg(1, PB().str(1, "web")).msg(2, PB().int(1, 3)).msg(3, PB())
        #expect(
            try decode("autoscaling/v1", "Scale", scale)
                == #"{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"replicas":3},"status":{"replicas":0}}"#
        )
    }

    @Test func leaseTimes() throws {
        // 2026-11-22T11:05:29Z = 1795345529
        let spec = PB().str(1, "node-1").int(2, 40).msg(3, PB().int(1, 1_795_345_529).int(2, 123_456_789))
            .msg(4, PB().int(1, 1_795_345_529)).int(5, 0)
        let meta = PB().str(1, "l").msg(8, PB().int(1, 1_795_345_529).int(2, 999))
        #expect(
            try decode("coordination.k8s.io/v1", "Lease", PB().msg(1, meta).msg(2, spec))
                == #"{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"l","creationTimestamp":"2026-11-22T11:05:29Z"},"spec":{"holderIdentity":"node-1","leaseDurationSeconds":40,"acquireTime":"2026-11-22T11:05:29.123456Z","renewTime":"2026-11-22T11:05:29.000000Z","leaseTransitions":0}}"#
        )
    }

    @Test func ownerReferencesFinalizersAndManagedFields() throws {
        let owner = PB().str(1, "ReplicaSet").str(3, "rs").str(4, "u1").str(5, "apps/v1").bool(6, true)
        let managed = PB().str(1, "kubectl").str(2, "Update").str(3, "v1").msg(4, PB().int(1, 0)).str(6, "FieldsV1")
            .msg(7, PB().raw(1, Array(#"{"f:metadata":{}}"#.utf8)))
        let meta = PB().str(1, "p").msg(13, owner).str(14, "a/b").str(14, "c").msg(17, managed).int(10, 30)
        #expect(
            try decode("v1", "ConfigMap", PB().msg(1, meta))
                == #"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"p","creationTimestamp":null,"deletionGracePeriodSeconds":30,"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u1","controller":true}],"finalizers":["a/b","c"],"managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"1970-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{}}}]}}"#
        )
    }

    @Test func containerEnvResourcesVolumesAndSecurityContext() throws {
        let env = PB().str(1, "POD").msg(3, PB().msg(1, PB().str(1, "v1").str(2, "metadata.name")))
        let envSecret = PB().str(1, "PW").msg(3, PB().msg(4, PB().msg(1, PB().str(1, "sec")).str(2, "pw")))
        let resources = PB().msg(1, PB().str(1, "memory").msg(2, PB().str(1, "128Mi")))
            .msg(2, PB().str(1, "cpu").msg(2, PB().str(1, "100m")))
        let mount = PB().str(1, "data").bool(2, true).str(3, "/data")
        let port = PB().int(3, 80).str(4, "TCP")
        let sc = PB().bool(2, false).int(4, 1000).msg(1, PB().str(2, "ALL"))
        let probe = PB().msg(1, PB().msg(2, PB().str(1, "/healthz").msg(2, PB().int(1, 1).str(3, "http")))).int(4, 5)
        let c = PB().str(1, "app").str(2, "img").str(4, "-v").msg(6, port).msg(7, env).msg(7, envSecret)
            .msg(8, resources).msg(9, mount).msg(10, probe).str(14, "IfNotPresent").msg(15, sc)
        let vols = PB().str(1, "data").msg(2, PB().msg(2, PB()))
        let cmVol = PB().str(1, "cfg").msg(2, PB().msg(19, PB().msg(1, PB().str(1, "cm")).int(3, 420)))
        let pod = PB().msg(1, PB().str(1, "p")).msg(2, PB().msg(1, vols).msg(1, cmVol).msg(2, c).int(4, 0))
        #expect(
            try decode("v1", "Pod", pod)
                == #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","creationTimestamp":null},"spec":{"volumes":[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"cm","defaultMode":420}}],"containers":[{"name":"app","image":"img","args":["-v"],"ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"POD","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},{"name":"PW","valueFrom":{"secretKeyRef":{"name":"sec","key":"pw"}}}],"resources":{"limits":{"memory":"128Mi"},"requests":{"cpu":"100m"}},"volumeMounts":[{"name":"data","readOnly":true,"mountPath":"/data"}],"livenessProbe":{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":5},"imagePullPolicy":"IfNotPresent","securityContext":{"capabilities":{"drop":["ALL"]},"privileged":false,"runAsUser":1000}}],"terminationGracePeriodSeconds":0},"status":{}}"#
        )
    }

    @Test func packedAndUnpackedRepeatedVarints() throws {
        // PodSecurityContext.supplementalGroups (repeated int64 = 4), first packed then one unpacked.
        let sc = PB().raw(4, PB.varint(1) + PB.varint(300)).int(4, 7)
        let pod = PB().msg(2, PB().msg(2, PB().str(1, "c")).msg(14, sc))
        let out = try KubeProtobuf.decode(PB.body("v1", "Pod", pod))
        #expect(out[path: ["spec", "securityContext", "supplementalGroups"]] == [1, 300, 7])
    }

    @Test func unknownFieldsAreSkippedAndReported() throws {
        let ns = PB().msg(1, PB().str(1, "foo").str(99, "x")).int(7, 1)
        let result = try KubeProtobuf.decodeWithReport(PB.body("v1", "Namespace", ns))
        #expect(result.object[path: ["metadata", "name"]] == "foo")
        // A message's own unknown numbers are listed before those of its children.
        #expect(result.unknownFields == [".: core.v1.Namespace field 7", ".metadata: meta.v1.ObjectMeta field 99"])
    }

    @Test func unsupportedMessageTypeIsAnError() throws {
        let pod = PB().msg(2, PB().msg(2, PB().str(1, "c")).msg(18, PB()))
        #expect {
            try KubeProtobuf.decode(PB.body("v1", "Pod", pod))
        } throws: { error in
            let e = error as? ProtobufDecodingError
            return e?.reason == .unsupportedType && e?.message.contains("core.v1.Affinity") == true
        }
    }

    @Test func envelopeErrors() throws {
        #expect(throws: ProtobufDecodingError(.badMagic, "protobuf body does not start with the k8s\\0 magic")) {
            try KubeProtobuf.decode(Array("{}".utf8))
        }
        #expect(throws: ProtobufDecodingError(.unknownKind, "unknown kind apps/v1 Foo")) {
            try KubeProtobuf.decode(PB.body("apps/v1", "Foo", PB()))
        }
        #expect(throws: ProtobufDecodingError(.malformed, "truncated varint at offset 1")) {
            try KubeProtobuf.decode([0x6b, 0x38, 0x73, 0x00, 0x08, 0x80])
        }
        var gz = PB.body("v1", "Namespace", PB())
        gz += PB().str(3, "gzip").bytes
        #expect(throws: ProtobufDecodingError(.unsupportedEncoding, "unsupported protobuf contentEncoding gzip")) {
            try KubeProtobuf.decode(gz)
        }
        #expect(throws: ProtobufDecodingError.self) {
            try KubeProtobuf.decode(PB.body("v1", "Namespace", PB().raw(1, [0x0a, 0x05, 0x61])))
        }
    }

    @Test func goDurationText() {
        #expect(ProtobufSpecialTypes.goDuration(0) == "0s")
        #expect(ProtobufSpecialTypes.goDuration(3_600_000_000_000) == "1h0m0s")
        #expect(ProtobufSpecialTypes.goDuration(90_500_000_000) == "1m30.5s")
        #expect(ProtobufSpecialTypes.goDuration(1_500_000) == "1.5ms")
        #expect(ProtobufSpecialTypes.goDuration(-2_000_000_000) == "-2s")
        #expect(ProtobufSpecialTypes.goDuration(999) == "999ns")
    }

    @Test func everyReferencedTypeIsDescribedOrPointer() {
        // Non-pointer message fields are emitted even when absent, so their
        // types must be in the table; pointer fields may name types we lack
        // (decoding them then fails with .unsupportedType).
        var missing: [String] = []
        for (name, fields) in ProtobufSchema.messages {
            for f in fields {
                var t = f.type
                var inContainer = false
                while true {
                    if case .list(let e) = t { t = e; inContainer = true; continue }
                    if case .map(let e) = t { t = e; inContainer = true; continue }
                    break
                }
                guard case .message(let ref) = t, !inContainer, f.emit != .ptr else { continue }
                if ProtobufSchema.messages[ref] == nil && !ProtobufSchema.special.contains(ref) {
                    missing.append("\(name).\(f.json) → \(ref)")
                }
            }
        }
        #expect(missing == [])
        for (_, message) in ProtobufSchema.kinds { #expect(ProtobufSchema.messages[message] != nil) }
    }
}
