using System.Buffers.Binary;

namespace Rampart.Ike.Wire;

/// <summary>Notification payload (RFC 2408 §3.14): DOI, protocol, SPI, notify type and data.</summary>
public sealed class NotificationPayload(ProtocolId protocol, NotifyMessageType notifyType, ReadOnlySpan<byte> spi, ReadOnlySpan<byte> data, uint doi = SecurityAssociationPayload.DoiIpsec) : IsakmpPayload
{
    private readonly byte[] _spi = spi.ToArray();
    private readonly byte[] _data = data.ToArray();

    public uint Doi { get; } = doi;

    public ProtocolId Protocol { get; } = protocol;

    public NotifyMessageType NotifyType { get; } = notifyType;

    public ReadOnlySpan<byte> Spi => _spi;

    public ReadOnlySpan<byte> Data => _data;

    public override PayloadType Type => PayloadType.Notification;

    public override int BodyLength => 8 + _spi.Length + _data.Length;

    public override void WriteBody(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Doi);
        destination[4] = (byte)Protocol;
        destination[5] = (byte)_spi.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)NotifyType);
        _spi.CopyTo(destination[8..]);
        _data.CopyTo(destination[(8 + _spi.Length)..]);
    }

    internal static bool TryParseBody(ReadOnlySpan<byte> body, out IsakmpPayload? payload, out ParseError error)
    {
        payload = null;
        error = ParseError.PayloadMalformed;
        if (body.Length < 8 || body.Length < 8 + body[5])
        {
            return false;
        }

        var spiSize = body[5];
        payload = new NotificationPayload(
            (ProtocolId)body[4],
            (NotifyMessageType)BinaryPrimitives.ReadUInt16BigEndian(body[6..]),
            body.Slice(8, spiSize),
            body[(8 + spiSize)..],
            BinaryPrimitives.ReadUInt32BigEndian(body));
        error = ParseError.None;
        return true;
    }
}
