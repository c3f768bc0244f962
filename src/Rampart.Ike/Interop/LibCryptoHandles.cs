using Microsoft.Win32.SafeHandles;

namespace Rampart.Ike.Interop;

/// <summary>An OpenSSL BIGNUM, wiped when released (it may hold a private exponent or a shared secret).</summary>
internal sealed class SafeBigNumHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeBigNumHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        LibCrypto.BigNumClearFree(handle);
        return true;
    }
}

/// <summary>An OpenSSL BN_CTX (scratch space for one thread's bignum operations).</summary>
internal sealed class SafeBigNumContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeBigNumContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        LibCrypto.BigNumContextFree(handle);
        return true;
    }
}

/// <summary>An OpenSSL BN_MONT_CTX (Montgomery constants of one modulus; read-only once set, so shareable).</summary>
internal sealed class SafeMontgomeryContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SafeMontgomeryContextHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        LibCrypto.MontgomeryContextFree(handle);
        return true;
    }
}
