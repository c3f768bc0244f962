namespace Rampart.Ike.Wire;

/// <summary>Transform payload (RFC 2408 §3.6) with its SA attributes, only ever inside a proposal.</summary>
public sealed class TransformPayload(byte number, byte transformId, IReadOnlyList<DataAttribute> attributes) : IsakmpPayload
{
    /// <summary>The only ISAKMP transform identifier (RFC 2407 §4.4.2).</summary>
    public const byte KeyIke = 1;

    public byte Number { get; } = number;

    public byte TransformId { get; } = transformId;

    public IReadOnlyList<DataAttribute> Attributes { get; } = attributes;

    public override PayloadType Type => PayloadType.Transform;

    public override int BodyLength => 4 + Attributes.Sum(a => a.Length);

    /// <summary>The first attribute of that type, or null.</summary>
    public DataAttribute? Find(ushort type)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Type == type)
            {
                return attribute;
            }
        }

        return null;
    }

    public override void WriteBody(Span<byte> destination)
    {
        destination[0] = Number;
        destination[1] = TransformId;
        destination[2] = 0;
        destination[3] = 0;
        var offset = 4;
        foreach (var attribute in Attributes)
        {
            offset += attribute.Write(destination[offset..]);
        }
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = null;
        error = ParseError.PayloadMalformed;
        if (body.Length < 4)
        {
            return false;
        }

        var attributes = new List<DataAttribute>();
        var offset = 4;
        while (offset < body.Length)
        {
            if (!DataAttribute.TryParse(body[offset..], out var attribute, out var consumed))
            {
                return false;
            }

            attributes.Add(attribute!);
            offset += consumed;
        }

        payload = new TransformPayload(body[0], body[1], attributes);
        error = ParseError.None;
        return true;
    }
}
