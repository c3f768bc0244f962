namespace Rampart.Ike.Wire;

/// <summary>Certificate payload (RFC 2408 §3.9): encoding (4 = X.509 signature) and data.</summary>
public sealed class CertificatePayload(byte encoding, ReadOnlySpan<byte> data) : IsakmpPayload
{
    public const byte X509Signature = 4;

    private readonly byte[] _data = data.ToArray();

    public byte Encoding { get; } = encoding;

    public ReadOnlySpan<byte> Data => _data;

    public override PayloadType Type => PayloadType.Certificate;

    public override int BodyLength => 1 + _data.Length;

    public override void WriteBody(Span<byte> destination)
    {
        destination[0] = Encoding;
        _data.CopyTo(destination[1..]);
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = body.Length < 1 ? null : new CertificatePayload(body[0], body[1..]);
        error = payload is null ? ParseError.PayloadMalformed : ParseError.None;
        return payload is not null;
    }
}

/// <summary>Certificate Request payload (RFC 2408 §3.10): certificate type and an optional authority (a DER DN).</summary>
public sealed class CertificateRequestPayload(byte certificateType, ReadOnlySpan<byte> authority) : IsakmpPayload
{
    private readonly byte[] _authority = authority.ToArray();

    public byte CertificateType { get; } = certificateType;

    public ReadOnlySpan<byte> Authority => _authority;

    public override PayloadType Type => PayloadType.CertificateRequest;

    public override int BodyLength => 1 + _authority.Length;

    public override void WriteBody(Span<byte> destination)
    {
        destination[0] = CertificateType;
        _authority.CopyTo(destination[1..]);
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = body.Length < 1 ? null : new CertificateRequestPayload(body[0], body[1..]);
        error = payload is null ? ParseError.PayloadMalformed : ParseError.None;
        return payload is not null;
    }
}
