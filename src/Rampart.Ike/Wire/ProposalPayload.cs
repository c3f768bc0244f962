namespace Rampart.Ike.Wire;

/// <summary>Proposal payload (RFC 2408 §3.5), only ever inside an SA payload.</summary>
public sealed class ProposalPayload(byte number, ProtocolId protocol, ReadOnlySpan<byte> spi, IReadOnlyList<TransformPayload> transforms) : IsakmpPayload
{
    private readonly byte[] _spi = spi.ToArray();

    public byte Number { get; } = number;

    public ProtocolId Protocol { get; } = protocol;

    public ReadOnlySpan<byte> Spi => _spi;

    public IReadOnlyList<TransformPayload> Transforms { get; } = transforms;

    public override PayloadType Type => PayloadType.Proposal;

    public override int BodyLength => 4 + _spi.Length + PayloadChain.Length(Transforms);

    public override void WriteBody(Span<byte> destination)
    {
        destination[0] = Number;
        destination[1] = (byte)Protocol;
        destination[2] = (byte)_spi.Length;
        destination[3] = (byte)Transforms.Count;
        _spi.CopyTo(destination[4..]);
        PayloadChain.Write(Transforms, destination[(4 + _spi.Length)..]);
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = null;
        error = ParseError.PayloadMalformed;
        if (body.Length < 4 || body.Length < 4 + body[2])
        {
            return false;
        }

        var spi = body.Slice(4, body[2]);
        var transforms = new List<IsakmpPayload>();
        var rest = body[(4 + spi.Length)..];
        if (!PayloadChain.TryParse(PayloadType.Transform, rest, transforms, out var consumed, out error, PayloadType.Transform)
            || consumed != rest.Length || transforms.Count != body[3] || transforms.Count == 0)
        {
            error = ParseError.PayloadMalformed;
            return false;
        }

        payload = new ProposalPayload(body[0], (ProtocolId)body[1], spi, transforms.Cast<TransformPayload>().ToArray());
        return true;
    }
}
