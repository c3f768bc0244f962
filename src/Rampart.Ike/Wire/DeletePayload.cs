using System.Buffers.Binary;

namespace Rampart.Ike.Wire;

/// <summary>Delete payload (RFC 2408 §3.15): SPIs of one protocol, all of the same size.</summary>
public sealed class DeletePayload(ProtocolId protocol, byte spiSize, IReadOnlyList<byte[]> spis, uint doi = SecurityAssociationPayload.DoiIpsec) : IsakmpPayload
{
    public uint Doi { get; } = doi;

    public ProtocolId Protocol { get; } = protocol;

    public byte SpiSize { get; } = spiSize;

    public IReadOnlyList<byte[]> Spis { get; } = spis;

    public override PayloadType Type => PayloadType.Delete;

    public override int BodyLength => 8 + (SpiSize * Spis.Count);

    public override void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Doi);
        destination[4] = (byte)Protocol;
        destination[5] = SpiSize;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Spis.Count);
        var offset = 8;
        foreach (var spi in Spis)
        {
            spi.CopyTo(destination[offset..]);
            offset += SpiSize;
        }
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = null;
        error = ParseError.PayloadMalformed;
        if (body.Length < 8)
        {
            return false;
        }

        var spiSize = body[5];
        var count = BinaryPrimitives.ReadUInt16BigEndian(body[6..]);
        if (body.Length != 8 + (spiSize * count) || spiSize == 0 || count == 0)
        {
            return false;
        }

        var spis = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            spis[i] = body.Slice(8 + (i * spiSize), spiSize).ToArray();
        }

        payload = new DeletePayload((ProtocolId)body[4], spiSize, spis, BinaryPrimitives.ReadUInt32BigEndian(body));
        error = ParseError.None;
        return true;
    }
}
