namespace Rampart.Ike.Wire;

/// <summary>An ISAKMP message in the clear: header and payload chain. Encrypted bodies are handled by the engine.</summary>
public sealed class IsakmpMessage(IsakmpHeader header, IReadOnlyList<IsakmpPayload> payloads)
{
    public IsakmpHeader Header { get; } = header;

    public IReadOnlyList<IsakmpPayload> Payloads { get; } = payloads;

    public int Length => IsakmpHeader.Size + PayloadChain.Length(Payloads);

    /// <summary>Parses an unencrypted message; the header length must cover the payloads exactly.</summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out IsakmpMessage? message, out ParseError error)
    {
        message = null;
        if (!IsakmpHeader.TryParse(datagram, out var header, out error))
        {
            return false;
        }

        if ((header.Flags & IsakmpFlags.Encryption) != 0)
        {
            error = ParseError.PayloadMalformed;
            return false;
        }

        var body = datagram[IsakmpHeader.Size..(int)header.Length];
        var payloads = new List<IsakmpPayload>();
        if (!PayloadChain.TryParse(header.NextPayload, body, payloads, out var consumed, out error))
        {
            return false;
        }

        if (consumed != body.Length)
        {
            error = ParseError.LengthMismatch;
            return false;
        }

        message = new IsakmpMessage(header, payloads);
        return true;
    }

    public T? Find<T>()
        where T : IsakmpPayload
    {
        foreach (var payload in Payloads)
        {
            if (payload is T match)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>Writes header (with the computed length and first payload type) and payloads; returns bytes written.</summary>
    public int Write(Span<byte> destination)
    {
        var length = Length;
        (Header with { Length = (uint)length, NextPayload = Payloads.Count > 0 ? Payloads[0].Type : PayloadType.None }).Write(destination);
        PayloadChain.Write(Payloads, destination[IsakmpHeader.Size..]);
        return length;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Write(bytes);
        return bytes;
    }
}
