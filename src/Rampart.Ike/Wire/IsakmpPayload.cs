namespace Rampart.Ike.Wire;

/// <summary>A payload: the 4-byte generic header (RFC 2408 §3.2) is written by <see cref="PayloadChain"/>.</summary>
public abstract class IsakmpPayload
{
    public const int GenericHeaderSize = 4;

    public abstract PayloadType Type { get; }

    /// <summary>Length of the payload body, excluding the generic header.</summary>
    public abstract int BodyLength { get; }

    public abstract void WriteBody(Span<byte> destination);

    /// <summary>The body bytes, as hashed by RFC 2409 (e.g. SAi_b, IDii_b, Ni_b).</summary>
    public byte[] BodyBytes()
    {
        var body = new byte[BodyLength];
        WriteBody(body);
        return body;
    }
}

/// <summary>A payload whose body is one opaque octet string.</summary>
public abstract class OpaqueDataPayload(ReadOnlySpan<byte> data) : IsakmpPayload
{
    private readonly byte[] _data = data.ToArray();

    public ReadOnlySpan<byte> Data => _data;

    public override int BodyLength => _data.Length;

    public override void WriteBody(Span<byte> destination) => _data.CopyTo(destination);
}

/// <summary>Key Exchange payload (RFC 2408 §3.7): the DH public value.</summary>
public sealed class KeyExchangePayload(ReadOnlySpan<byte> data) : OpaqueDataPayload(data)
{
    public override PayloadType Type => PayloadType.KeyExchange;
}

/// <summary>Hash payload (RFC 2408 §3.11).</summary>
public sealed class HashPayload(ReadOnlySpan<byte> data) : OpaqueDataPayload(data)
{
    public override PayloadType Type => PayloadType.Hash;
}

/// <summary>Signature payload (RFC 2408 §3.12).</summary>
public sealed class SignaturePayload(ReadOnlySpan<byte> data) : OpaqueDataPayload(data)
{
    public override PayloadType Type => PayloadType.Signature;
}

/// <summary>Nonce payload (RFC 2408 §3.13).</summary>
public sealed class NoncePayload(ReadOnlySpan<byte> data) : OpaqueDataPayload(data)
{
    public override PayloadType Type => PayloadType.Nonce;
}

/// <summary>Vendor ID payload (RFC 2408 §3.16).</summary>
public sealed class VendorIdPayload(ReadOnlySpan<byte> data) : OpaqueDataPayload(data)
{
    public override PayloadType Type => PayloadType.VendorId;
}

/// <summary>NAT-D payload (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port); the type is 20 or the draft value 130.</summary>
public sealed class NatDiscoveryPayload(ReadOnlySpan<byte> data, PayloadType type = PayloadType.NatDiscovery) : OpaqueDataPayload(data)
{
    public override PayloadType Type { get; } = type;
}

/// <summary>GSS-API token payload (type 129, draft-ietf-ipsec-isakmp-gss-auth): the raw token after the generic header.</summary>
public sealed class GssTokenPayload(ReadOnlySpan<byte> data) : OpaqueDataPayload(data)
{
    public override PayloadType Type => PayloadType.GssToken;
}
