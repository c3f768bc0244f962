using Rampart.Core.Algorithms;

namespace Rampart.DataPath.Transforms;

/// <summary>ESP with the NULL cipher (RFC 2410): no IV, payload in clear, HMAC integrity over SPI..trailer.</summary>
public sealed class NullHmacEsp(IntegrityAlgorithm integrity, ReadOnlySpan<byte> integrityKey) : IEspTransform
{
    private readonly HmacIcv _icv = new(integrity, integrityKey);

    public int IvLength => 0;

    public int IcvLength => _icv.IcvLength;

    public int PadAlignment => 4;

    public void WriteIv(Span<byte> iv, ulong sequence)
    {
    }

    public void Seal(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh)
    {
        _icv.Append(espPacket[..^IcvLength]);
        if (extendedSequenceNumbers)
        {
            _icv.AppendSequenceHigh(sequenceHigh);
        }

        _icv.Finish(espPacket[^IcvLength..]);
    }

    public PacketStatus Open(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh)
    {
        if (espPacket.Length < EspLayout.HeaderLength + IcvLength)
        {
            return PacketStatus.Truncated;
        }

        _icv.Append(espPacket[..^IcvLength]);
        if (extendedSequenceNumbers)
        {
            _icv.AppendSequenceHigh(sequenceHigh);
        }

        return _icv.FinishAndVerify(espPacket[^IcvLength..]) ? PacketStatus.Ok : PacketStatus.AuthenticationFailed;
    }

    public void Dispose() => _icv.Dispose();
}
