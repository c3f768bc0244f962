using System.Buffers.Binary;

namespace Rampart.DataPath.Transforms;

/// <summary>Offsets and the associated data shared by all ESP transforms.</summary>
internal static class EspLayout
{
    public const int HeaderLength = 8;

    /// <summary>
    /// Writes the AEAD associated data: SPI || seq (8 bytes) or, with ESN, SPI || seq-high || seq-low
    /// (12 bytes, RFC 4106 §5, RFC 7634 §2.1). Returns its length.
    /// </summary>
    public static int WriteAssociatedData(ReadOnlySpan<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh, Span<byte> aad)
    {
        espPacket[..4].CopyTo(aad);
        if (!extendedSequenceNumbers)
        {
            espPacket.Slice(4, 4).CopyTo(aad[4..]);
            return 8;
        }

        BinaryPrimitives.WriteUInt32BigEndian(aad[4..], sequenceHigh);
        espPacket.Slice(4, 4).CopyTo(aad[8..]);
        return 12;
    }
}
