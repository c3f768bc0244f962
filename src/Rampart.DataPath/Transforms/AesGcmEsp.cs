using System.Security.Cryptography;

namespace Rampart.DataPath.Transforms;

/// <summary>AES-GCM with a 16-byte ICV for ESP (RFC 4106); key material is the AES key (16 or 32 bytes) plus the salt.</summary>
public sealed class AesGcmEsp(ReadOnlySpan<byte> keyMaterial) : AeadEspTransform(keyMaterial, keyMaterial.Length - 4)
{
    private readonly AesGcm _aes = new(keyMaterial[..^4], 16);

    public override void Dispose()
    {
        _aes.Dispose();
        ZeroSalt();
    }

    protected override void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag, ReadOnlySpan<byte> aad) =>
        _aes.Encrypt(nonce, text, text, tag, aad);

    protected override bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        // .NET has no non-throwing AEAD open; the caller has already checked SPI and replay window, so only
        // forged or corrupted packets from a peer holding a valid SPI reach this throw.
        try
        {
            _aes.Decrypt(nonce, text, tag, text, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
