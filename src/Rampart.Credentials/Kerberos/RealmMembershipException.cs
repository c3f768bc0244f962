namespace Rampart.Credentials.Kerberos;

/// <summary>A join, leave or peer change that was refused (bad input, unreadable keytab, not joined); nothing was stored.</summary>
public sealed class RealmMembershipException : Exception
{
    public RealmMembershipException()
    {
    }

    public RealmMembershipException(string message)
        : base(message)
    {
    }

    public RealmMembershipException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
