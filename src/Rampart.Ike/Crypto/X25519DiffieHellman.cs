using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Rampart.Core.Algorithms;

namespace Rampart.Ike.Crypto;

/// <summary>Curve25519 (group 31, RFC 8031) via BouncyCastle; an all-zero shared secret is rejected (RFC 7748 §6.1).</summary>
public sealed class X25519DiffieHellman : IDiffieHellman
{
    private static readonly SecureRandom Random = new();
    private readonly X25519PrivateKeyParameters _privateKey;
    private readonly byte[] _publicValue;

    public X25519DiffieHellman()
        : this(new X25519PrivateKeyParameters(Random))
    {
    }

    /// <summary>Uses a known private scalar (test vectors).</summary>
    public X25519DiffieHellman(ReadOnlySpan<byte> privateKey)
        : this(new X25519PrivateKeyParameters(privateKey))
    {
    }

    private X25519DiffieHellman(X25519PrivateKeyParameters privateKey)
    {
        _privateKey = privateKey;
        _publicValue = _privateKey.GeneratePublicKey().GetEncoded();
    }

    public DhGroup Group => DhGroup.X25519;

    public ReadOnlySpan<byte> PublicValue => _publicValue;

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, out byte[] sharedSecret)
    {
        sharedSecret = [];
        if (peerPublicValue.Length != X25519PublicKeyParameters.KeySize)
        {
            return false;
        }

        var secret = new byte[X25519PrivateKeyParameters.SecretSize];
        try
        {
            _privateKey.GenerateSecret(new X25519PublicKeyParameters(peerPublicValue), secret, 0);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        Span<byte> zero = stackalloc byte[X25519PrivateKeyParameters.SecretSize];
        zero.Clear();
        if (CryptographicOperations.FixedTimeEquals(secret, zero))
        {
            return false;
        }

        sharedSecret = secret;
        return true;
    }

    public void Dispose()
    {
    }
}
