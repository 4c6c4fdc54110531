/// `meta.k8s.io/v1` Table responses for `kubectl get`: the server-side
/// printers' columns, plus each row's object as `includeObject` asks
/// (`None`, `Metadata` — the default — or `Object`).
enum TableRenderer {
    static func table(_ rt: ResourceType, _ objects: [JSON], registry: ResourceRegistry, includeObject: String?, rv: Int64) -> JSON {
        var printerColumns: JSON? = nil
        if rt.isCustom {
            printerColumns = .array(registry.customInfo(storageKey: rt.storageKey)?.version(rt.version)?.printerColumns ?? [])
        }
        let printed = TablePrinter.print(group: rt.group, resource: rt.plural, printerColumns: printerColumns, objects: objects, now: Timestamp.now())
        var rows: [JSON] = []
        rows.reserveCapacity(objects.count)
        for (row, o) in zip(printed.rows, objects) {
            var r = row.json
            switch includeObject ?? "Metadata" {
            case "None": break
            case "Object": r["object"] = o
            default: r["object"] = APIServer.partialMetadata(o)
            }
            rows.append(r)
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": ["resourceVersion": .string(String(rv))],
            "columnDefinitions": printed.columnDefinitionsJSON, "rows": .array(rows),
        ]
    }
}
