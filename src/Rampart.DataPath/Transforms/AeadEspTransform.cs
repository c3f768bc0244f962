using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Rampart.DataPath.Transforms;

/// <summary>
/// Shared framing for the AEAD transforms (AES-GCM RFC 4106, ChaCha20-Poly1305 RFC 7634): the 12-byte nonce is
/// the 4-byte salt from the keying material followed by the 8-byte IV in the packet, the tag is the 16-byte ICV.
/// </summary>
public abstract class AeadEspTransform : IEspTransform
{
    private const int SaltLength = 4;
    private const int TagLength = 16;
    private readonly byte[] _salt;

    protected AeadEspTransform(ReadOnlySpan<byte> keyMaterial, int keyLength)
    {
        if (keyMaterial.Length != keyLength + SaltLength)
        {
            throw new ArgumentException($"expected {keyLength + SaltLength} bytes of key material (key and salt)", nameof(keyMaterial));
        }

        _salt = keyMaterial[keyLength..].ToArray();
    }

    public int IvLength => 8;

    public int IcvLength => TagLength;

    public int PadAlignment => 4;

    public void WriteIv(Span<byte> iv, ulong sequence) => BinaryPrimitives.WriteUInt64BigEndian(iv, sequence);

    public void Seal(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh)
    {
        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[12];
        BuildNonce(espPacket, nonce);
        var aadLength = EspLayout.WriteAssociatedData(espPacket, extendedSequenceNumbers, sequenceHigh, aad);
        var text = espPacket[(EspLayout.HeaderLength + IvLength)..^TagLength];
        Encrypt(nonce, text, espPacket[^TagLength..], aad[..aadLength]);
    }

    public PacketStatus Open(Span<byte> espPacket, bool extendedSequenceNumbers, uint sequenceHigh)
    {
        if (espPacket.Length < EspLayout.HeaderLength + IvLength + TagLength)
        {
            return PacketStatus.Truncated;
        }

        Span<byte> nonce = stackalloc byte[12];
        Span<byte> aad = stackalloc byte[12];
        BuildNonce(espPacket, nonce);
        var aadLength = EspLayout.WriteAssociatedData(espPacket, extendedSequenceNumbers, sequenceHigh, aad);
        var text = espPacket[(EspLayout.HeaderLength + IvLength)..^TagLength];
        return TryDecrypt(nonce, text, espPacket[^TagLength..], aad[..aadLength]) ? PacketStatus.Ok : PacketStatus.AuthenticationFailed;
    }

    public abstract void Dispose();

    /// <summary>The 4-byte salt (tests check it is zeroed once the SA ends).</summary>
    internal ReadOnlySpan<byte> Salt => _salt;

    /// <summary>Zeroes the salt; subclasses call it from <see cref="Dispose"/> after disposing their cipher.</summary>
    protected void ZeroSalt() => CryptographicOperations.ZeroMemory(_salt);

    protected abstract void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag, ReadOnlySpan<byte> aad);

    /// <summary>Decrypts in place; false when the tag does not verify.</summary>
    protected abstract bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad);

    private void BuildNonce(ReadOnlySpan<byte> espPacket, Span<byte> nonce)
    {
        _salt.CopyTo(nonce);
        espPacket.Slice(EspLayout.HeaderLength, IvLength).CopyTo(nonce[SaltLength..]);
    }
}
