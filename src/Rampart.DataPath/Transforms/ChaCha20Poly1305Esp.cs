using System.Security.Cryptography;

namespace Rampart.DataPath.Transforms;

/// <summary>ChaCha20-Poly1305 for ESP (RFC 7634); key material is the 32-byte key plus the 4-byte salt.</summary>
public sealed class ChaCha20Poly1305Esp(ReadOnlySpan<byte> keyMaterial) : AeadEspTransform(keyMaterial, 32)
{
    private readonly ChaCha20Poly1305 _aead = new(keyMaterial[..32]);

    public override void Dispose()
    {
        _aead.Dispose();
        ZeroSalt();
    }

    protected override void Encrypt(ReadOnlySpan<byte> nonce, Span<byte> text, Span<byte> tag, ReadOnlySpan<byte> aad) =>
        _aead.Encrypt(nonce, text, text, tag, aad);

    protected override bool TryDecrypt(ReadOnlySpan<byte> nonce, Span<byte> text, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> aad)
    {
        // See AesGcmEsp: no non-throwing open exists; SPI and replay are checked before this.
        try
        {
            _aead.Decrypt(nonce, text, tag, text, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }
}
