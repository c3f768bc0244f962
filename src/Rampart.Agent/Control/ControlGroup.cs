using System.Globalization;
using System.Runtime.InteropServices;
using Rampart.Agent.Interop;

namespace Rampart.Agent.Control;

/// <summary>
/// The group whose members may use the read-only control commands: <c>rampart</c> unless
/// <c>RAMPART_CONTROL_GROUP</c> names another. Its id is looked up once, at start-up; when the group does not exist
/// only root may use the control socket.
/// </summary>
public sealed record ControlGroup(string Name, uint? Id)
{
    public const string Variable = "RAMPART_CONTROL_GROUP";
    public const string DefaultName = "rampart";

    /// <summary>No group: only root may use the socket.</summary>
    public static readonly ControlGroup None = new(DefaultName, null);

    public static ControlGroup FromEnvironment()
    {
        var name = Environment.GetEnvironmentVariable(Variable);
        name = string.IsNullOrWhiteSpace(name) ? DefaultName : name.Trim();
        return new ControlGroup(name, Find(name));
    }

    public static uint? Find(string name)
    {
        Marshal.SetLastPInvokeError(0);
        var group = Libc.GetGroupByName(name);
        if (group != 0)
        {
            return Libc.GroupIdOf(group);
        }

        var error = Marshal.GetLastPInvokeError();
        return error is 0 or 2 or 3 or 9 or 1 // no such group (getgrnam reports it with 0 or one of these)
            ? null
            : throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot look up the group '{name}' ({Variable}): {Marshal.GetPInvokeErrorMessage(error)}"));
    }

    /// <summary>Gives <paramref name="path"/> (never a link: the state directory was checked) to this group.</summary>
    public void Own(string path)
    {
        if (Id is { } gid && Libc.LinkChangeOwner(path, uint.MaxValue, gid) != 0)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"cannot give {path} to group '{Name}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}"));
        }
    }
}
