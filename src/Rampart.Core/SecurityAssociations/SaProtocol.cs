namespace Rampart.Core.SecurityAssociations;

/// <summary>The IPsec protocol an SA uses, backed by its IP protocol number.</summary>
public enum SaProtocol : byte
{
    /// <summary>Encapsulating Security Payload (RFC 4303).</summary>
    Esp = 50,

    /// <summary>Authentication Header (RFC 4302).</summary>
    Ah = 51,
}
