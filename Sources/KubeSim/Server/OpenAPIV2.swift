/// A minimal OpenAPI v2 document in gnostic's protobuf form
/// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`), which
/// kubectl up to 1.29 reads to learn that each kind's PATCH accepts
/// `fieldValidation` — so it validates on the server instead of asking for
/// schemas. It lists paths only, no definitions.
enum OpenAPIV2 {
    /// Protobuf wire encoding, just what this document needs.
    struct Writer {
        var bytes: [UInt8] = []

        mutating func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7f) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }

        mutating func bytesField(_ field: Int, _ b: [UInt8]) {
            varint(UInt64(field << 3 | 2))
            varint(UInt64(b.count))
            bytes += b
        }

        mutating func string(_ field: Int, _ s: String) { bytesField(field, Array(s.utf8)) }

        mutating func message(_ field: Int, _ build: (inout Writer) -> Void) {
            var w = Writer()
            build(&w)
            bytesField(field, w.bytes)
        }
    }

    static func document(types: [ResourceType], version: String) -> [UInt8] {
        var doc = Writer()
        doc.string(1, "2.0")  // swagger
        doc.message(2) { info in  // info
            info.string(1, "Kubernetes")
            info.string(2, version)
        }
        doc.message(8) { paths in  // paths
            for rt in types {
                let path = rt.namespaced ? "\(rt.urlPrefix)/namespaces/{namespace}/\(rt.plural)/{name}" : "\(rt.urlPrefix)/\(rt.plural)/{name}"
                paths.message(2) { named in  // NamedPathItem
                    named.string(1, path)
                    named.message(2) { item in  // PathItem
                        item.message(8) { op in  // patch: Operation
                            op.string(5, "patch\(rt.kind)")
                            for p in ["dryRun", "fieldManager", "fieldValidation", "force"] {
                                op.message(8) { pi in  // ParametersItem
                                    pi.message(1) { param in  // Parameter
                                        param.message(2) { nb in  // NonBodyParameter
                                            nb.message(3) { q in  // QueryParameterSubSchema
                                                q.string(2, "query")
                                                q.string(4, p)
                                                q.string(6, p == "force" ? "boolean" : "string")
                                            }
                                        }
                                    }
                                }
                            }
                            op.message(13) { ext in  // vendor_extension: NamedAny
                                ext.string(1, "x-kubernetes-group-version-kind")
                                ext.message(2) { any in  // Any
                                    any.string(2, "group: \"\(rt.group)\"\nkind: \(rt.kind)\nversion: \(rt.version)\n")
                                }
                            }
                        }
                    }
                }
            }
        }
        return doc.bytes
    }
}
