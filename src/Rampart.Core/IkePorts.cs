namespace Rampart.Core;

/// <summary>IKE's well-known UDP ports, defined once for the engine, the transport, the data path and the exemptions.</summary>
public static class IkePorts
{
    /// <summary>IKE (RFC 2408 §2.5.2).</summary>
    public const ushort Ike = 500;

    /// <summary>IKE after NAT traversal floated (RFC 3947 §4), and ESP in UDP (RFC 3948).</summary>
    public const ushort NatTraversal = 4500;
}
