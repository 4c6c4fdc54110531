extension APIServer {
    func get(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let o = try await store.get(storageRT(t.rt), namespace: t.namespace, name: t.name!)
        if t.subresource == "scale" { return .json(try scale(of: t.rt, o.object)) }
        if t.subresource == "log" { return try await podLogs(t, o, req) }
        if wantsTable(req) { return .json(TableRenderer.table(t.rt, [renderJSON(t.rt, o)], registry: registry, includeObject: req.param("includeObject"), rv: o.rv)) }
        if wantsPartialMetadata(req) { return .json(Self.partialMetadata(renderJSON(t.rt, o))) }
        return .rawJSON(render(t.rt, o))
    }

    func filter(_ t: Target, _ req: APIRequest) throws -> ObjectFilter {
        var fieldSelector = req.param("fieldSelector") ?? ""
        if let name = t.name {  // legacy watch of one object
            fieldSelector = fieldSelector.isEmpty ? "metadata.name=\(name)" : "\(fieldSelector),metadata.name=\(name)"
        }
        return try FilterBuilder.make(t.rt, labelSelector: req.param("labelSelector") ?? "", fieldSelector: fieldSelector)
    }

    func list(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let f = try filter(t, req)
        var limit: Int? = nil
        if let l = req.param("limit"), !l.isEmpty {
            guard let n = Int(l), n >= 0 else { throw APIError.badRequest("limit must be a non-negative integer") }
            limit = n
        }
        let result = try await store.list(storageRT(t.rt), namespace: t.namespace, filter: f, limit: limit, continueToken: req.param("continue"))
        var meta: JSON = ["resourceVersion": .string(String(result.resourceVersion))]
        if let c = result.continueToken { meta["continue"] = .string(c) }
        if let r = result.remainingItemCount { meta["remainingItemCount"] = .int(Int64(r)) }
        if wantsTable(req) {
            var table = TableRenderer.table(t.rt, result.items.map { renderJSON(t.rt, $0) }, registry: registry,
                includeObject: req.param("includeObject"), rv: result.resourceVersion)
            table["metadata"] = meta
            return .json(table)
        }
        if wantsPartialMetadata(req) {
            return .json([
                "kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                "items": .array(result.items.map { Self.partialMetadata(renderJSON(t.rt, $0)) }),
            ])
        }
        var out: [UInt8] = []
        out.reserveCapacity(result.items.reduce(128) { $0 + $1.bytes.count + 1 })
        out += Array("{\"kind\":\"\(t.rt.listKind)\",\"apiVersion\":\"\(t.rt.apiVersion)\",\"metadata\":".utf8)
        meta.write(into: &out)
        out += Array(",\"items\":[".utf8)
        var first = true
        for item in result.items {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out += render(t.rt, item)
        }
        out += Array("]}".utf8)
        return .rawJSON(out)
    }

    static func partialMetadata(_ o: JSON) -> JSON {
        ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"] ?? [:]]
    }

    func create(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let decoded = try decodeBody(req, t.rt)
        try checkKind(decoded, t.rt)
        var (body, warnings) = try FieldValidation.check(t.rt, decoded, registry: registry, mode: req.param("fieldValidation"))
        if t.rt.group == "events.k8s.io" { body = EventConversion.toCoreV1(body) }
        let o = try await store.create(storageRT(t.rt), namespace: t.namespace, object: body, dryRun: req.query["dryRun"] != nil)
        var r = APIResponse.rawJSON(render(t.rt, o), status: 201)
        r.headers += warnings.map { ("Warning", "299 - \"\($0)\"") }
        return r
    }

    func update(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let decoded = try decodeBody(req, t.rt)
        try checkKind(decoded, t.rt)
        var (body, warnings) = try FieldValidation.check(t.rt, decoded, registry: registry, mode: req.param("fieldValidation"))
        if t.rt.group == "events.k8s.io" { body = EventConversion.toCoreV1(body) }
        let o = try await store.update(storageRT(t.rt), namespace: t.namespace, name: t.name!, object: body,
            subresource: t.subresource, dryRun: req.query["dryRun"] != nil)
        var r = APIResponse.rawJSON(render(t.rt, o))
        r.headers += warnings.map { ("Warning", "299 - \"\($0)\"") }
        return r
    }

    func patch(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let contentType = (req.headers["content-type"] ?? "").split(separator: ";").first.map { String($0).trimmingCharacters(in: " ") } ?? ""
        let kind = try PatchKind(contentType: contentType, rt: t.rt)
        let patchBody: JSON
        if kind == .apply {
            // The applied configuration is a whole object: it is decoded and checked like one.
            patchBody = try FieldValidation.check(t.rt, try decodeBody(req, t.rt), registry: registry, mode: req.param("fieldValidation")).object
        } else {
            if req.body.isEmpty { throw APIError.badRequest("the body of the request was empty") }
            do { patchBody = try JSON.parse(req.body) } catch {
                throw APIError.badRequest("error decoding patch: \(error.message)")
            }
        }
        let fieldManager = req.param("fieldManager")
        if kind == .apply && (fieldManager ?? "").isEmpty {
            throw APIError.badRequest("PATCH /\(t.rt.plural): fieldManager is required for apply requests")
        }
        let force = req.boolParam("force")
        if req.query["force"] != nil && kind != .apply {
            throw APIError.badRequest("force: Invalid value: true: may not be specified for non-apply patch")
        }
        let rt = t.rt
        let registry = self.registry
        let isEvents = rt.group == "events.k8s.io"
        let validation = req.param("fieldValidation")
        let (o, created) = try await store.patch(
            storageRT(rt), namespace: t.namespace, name: t.name!, subresource: t.subresource,
            dryRun: req.query["dryRun"] != nil, createIfMissing: kind == .apply && t.subresource == nil
        ) { (current: JSON?) throws(APIError) -> JSON in
            var cur = current
            if isEvents, let c = cur { cur = EventConversion.toEventsV1(c) }
            var result = try PatchEngine.apply(kind, patch: patchBody, to: cur, rt: rt, registry: registry,
                fieldManager: fieldManager ?? "", force: force, subresource: t.subresource)
            result = try FieldValidation.check(rt, result, registry: registry, mode: validation).object
            if isEvents { result = EventConversion.toCoreV1(result) }
            return result
        }
        return .rawJSON(render(t.rt, o), status: created ? 201 : 200)
    }

    func deleteOptions(_ req: APIRequest) throws -> DeleteOptions {
        var opts = DeleteOptions()
        if !req.body.isEmpty, let j = try? JSON.parse(req.body) {
            opts.preconditionUID = j[path: ["preconditions", "uid"]]?.stringValue
            opts.preconditionResourceVersion = j[path: ["preconditions", "resourceVersion"]]?.stringValue
            opts.propagationPolicy = j["propagationPolicy"]?.stringValue
            opts.gracePeriodSeconds = j["gracePeriodSeconds"]?.intValue
            if j["orphanDependents"]?.boolValue == true { opts.propagationPolicy = "Orphan" }
            if j["orphanDependents"]?.boolValue == false { opts.orphanDependentsFalse = true }
            if let d = j["dryRun"]?.arrayValue, d.contains("All") { opts.dryRun = true }
        }
        if let p = req.param("propagationPolicy") { opts.propagationPolicy = p }
        if let g = req.param("gracePeriodSeconds") {
            guard let n = Int64(g) else { throw APIError.badRequest("gracePeriodSeconds must be an integer") }
            opts.gracePeriodSeconds = n
        }
        if req.param("orphanDependents") == "true" { opts.propagationPolicy = "Orphan" }
        if req.query["dryRun"] != nil { opts.dryRun = true }
        return opts
    }

    func delete(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let opts = try deleteOptions(req)
        switch try await store.delete(storageRT(t.rt), namespace: t.namespace, name: t.name!, options: opts) {
        case .pending(let o):
            // Not gone yet (finalizers, graceful termination): 200 with the object,
            // 202 only when the client asked not to orphan dependents.
            return .rawJSON(render(t.rt, o), status: opts.orphanDependentsFalse ? 202 : 200)
        case .removed(let o):
            if t.rt.returnsDeletedObject { return .rawJSON(render(t.rt, o)) }
            var details: JSON = ["name": .string(o.name)]
            if !t.rt.group.isEmpty { details["group"] = .string(t.rt.group) }
            details["kind"] = .string(t.rt.plural)
            details["uid"] = o.object[path: ["metadata", "uid"]] ?? ""
            return .json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": details])
        }
    }

    func deleteCollection(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let f = try filter(t, req)
        let opts = try deleteOptions(req)
        let items = try await store.deleteCollection(storageRT(t.rt), namespace: t.namespace, filter: f, options: opts)
        var out: [UInt8] = Array("{\"kind\":\"\(t.rt.listKind)\",\"apiVersion\":\"\(t.rt.apiVersion)\",\"metadata\":{\"resourceVersion\":\"\(await store.currentResourceVersion)\"},\"items\":[".utf8)
        out += items.map { render(t.rt, $0) }.joined(separator: [UInt8(ascii: ",")])
        out += Array("]}".utf8)
        return .rawJSON(out)
    }

    // MARK: Watch

    func watch(_ t: Target, _ req: APIRequest) async throws -> APIResponse {
        let f = try filter(t, req)
        let start: WatchStart
        let rvParam = req.param("resourceVersion") ?? ""
        if req.boolParam("sendInitialEvents") {
            guard req.param("resourceVersionMatch") == "NotOlderThan" else {
                throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", causes: [
                    ("resourceVersionMatch", "FieldValueForbidden", "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
                ])
            }
            start = .initialEvents
        } else if rvParam.isEmpty || rvParam == "0" {
            start = .currentState
        } else {
            guard let n = Int64(rvParam) else {
                throw APIError.badRequest("resourceVersion: Invalid value: \"\(rvParam)\": must be a valid resourceVersion")
            }
            start = .after(n)
        }
        let timeout = req.param("timeoutSeconds").flatMap { Double($0) }.flatMap { $0 >= 0 ? $0 : nil }
            ?? Double.random(in: minRequestTimeout...(2 * minRequestTimeout))
        let bookmarks = req.boolParam("allowWatchBookmarks") || start.isInitialEvents
        let messages = await store.watch(storageRT(t.rt), namespace: t.namespace, filter: f, start: start, bookmarks: bookmarks)
        let rt = t.rt
        let table = wantsTable(req)
        let includeObject = req.param("includeObject")
        let registry = self.registry
        let render: @Sendable (StoredObject) -> [UInt8] = { [self] o in
            if table {
                return TableRenderer.table(rt, [renderJSON(rt, o)], registry: registry, includeObject: includeObject, rv: o.rv).serialized()
            }
            return self.render(rt, o)
        }
        let lines = AsyncStream<[UInt8]> { cont in
            let task = Task {
                let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await m in messages {
                            cont.yield(WatchLine.encode(m, rt: rt, render: render))
                            if case .error = m { break }
                        }
                    }
                    group.addTask {
                        try? await Task.sleep(until: deadline)
                    }
                    await group.next()
                    group.cancelAll()
                }
                cont.finish()
            }
            cont.onTermination = { _ in task.cancel() }
        }
        return APIResponse(status: 200, headers: [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")], body: .stream(lines))
    }
}

extension WatchStart {
    var isInitialEvents: Bool {
        if case .initialEvents = self { return true }
        return false
    }
}

/// Encodes one watch event as a line of JSON (`{"type":…,"object":…}\n`).
enum WatchLine {
    static func encode(_ m: WatchMessage, rt: ResourceType, render: (StoredObject) -> [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        switch m {
        case .event(let type, let o):
            let obj = render(o)
            out.reserveCapacity(obj.count + 32)
            out += Array("{\"type\":\"\(type.rawValue)\",\"object\":".utf8)
            out += obj
        case .bookmark(let rv, let end):
            var meta: JSON = ["resourceVersion": .string(String(rv)), "creationTimestamp": nil]
            if end { meta["annotations"] = ["k8s.io/initial-events-end": "true"] }
            let o: JSON = ["kind": .string(rt.kind), "apiVersion": .string(rt.apiVersion), "metadata": meta]
            out += Array("{\"type\":\"BOOKMARK\",\"object\":".utf8)
            o.write(into: &out)
        case .error(let e):
            out += Array("{\"type\":\"ERROR\",\"object\":".utf8)
            e.status.write(into: &out)
        }
        out += Array("}\n".utf8)
        return out
    }
}
