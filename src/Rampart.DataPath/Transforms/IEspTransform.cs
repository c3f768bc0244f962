namespace Rampart.DataPath.Transforms;

/// <summary>
/// One ESP transform (cipher + integrity) with its keys, working in place on an ESP packet laid out as
/// SPI | sequence | IV | payload, padding, pad length, next header | ICV (RFC 4303 §2).
/// Instances hold reusable crypto objects and are NOT thread-safe: the SA serialises calls.
/// </summary>
public interface IEspTransform : IDisposable
{
    /// <summary>Bytes of IV carried in each packet.</summary>
    int IvLength { get; }

    /// <summary>Bytes of ICV after the ESP trailer.</summary>
    int IcvLength { get; }

    /// <summary>Payload + trailer must be a multiple of this (4, or the cipher block size).</summary>
    int PadAlignment { get; }

    /// <summary>Fills the packet's IV: the sequence number for counter-mode AEADs (RFC 4106 §3.1), random bytes for CBC.</summary>
    void WriteIv(Span<byte> iv, ulong sequence);

    /// <summary>Encrypts the payload and trailer in place and writes the ICV; <paramref name="sequenceHigh"/> is used only with ESN.</summary>
    void Seal(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh);

    /// <summary>Verifies the ICV, then decrypts in place; returns Ok, AuthenticationFailed or DecryptFailed. Never throws on bad input.</summary>
    PacketStatus Open(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh);
}
