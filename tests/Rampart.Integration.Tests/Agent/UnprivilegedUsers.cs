using System.Globalization;
using Rampart.Lab;

namespace Rampart.Integration.Tests.Agent;

/// <summary>
/// A group and two unprivileged users made for one test: <see cref="Member"/> in the group, <see cref="Outsider"/>
/// not. Both have the primary group nogroup. Dispose removes them. Also a copy of the CLI every user can read and run
/// (the build output may lie under a directory only root can enter).
/// </summary>
public sealed class UnprivilegedUsers : IDisposable
{
    private static int _counter;
    private readonly List<string> _users = [];
    private readonly string? _group;

    public UnprivilegedUsers()
    {
        Prerequisites.Require("ip");
        var suffix = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}x{Interlocked.Increment(ref _counter)}");
        try
        {
            Group = "rptg" + suffix;
            Tool.Run("groupadd", Group).EnsureSuccess("groupadd " + Group);
            _group = Group;
            Member = Add("rptm" + suffix, "-G", Group);
            Outsider = Add("rpto" + suffix);
            CliDirectory = CopyCli();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Group { get; } = "";

    public string Member { get; } = "";

    public string Outsider { get; } = "";

    public string CliDirectory { get; } = "";

    /// <summary>Runs <c>rampart ARGS</c> as <paramref name="user"/> (its groups from the group database) against <paramref name="home"/>.</summary>
    public ToolResult Rampart(string user, string home, params string[] arguments) =>
        Tool.Run(
            ["setpriv", "--reuid=" + user, "--regid=nogroup", "--init-groups", "env", "HOME=/tmp", "RAMPART_HOME=" + home, "RAMPART_CONTROL_GROUP=" + Group,
                "DOTNET_CLI_TELEMETRY_OPTOUT=1", "dotnet", Path.Combine(CliDirectory, "rampart.dll"), .. arguments],
            TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        foreach (var user in _users)
        {
            Tool.Run("userdel", user);
        }

        if (_group is not null)
        {
            Tool.Run("groupdel", _group);
        }

        if (CliDirectory.Length > 0)
        {
            Directory.Delete(CliDirectory, recursive: true);
        }
    }

    private string Add(string name, params string[] options)
    {
        Tool.Run(["useradd", "-M", "-N", "-g", "nogroup", "-s", "/usr/sbin/nologin", .. options, name]).EnsureSuccess("useradd " + name);
        _users.Add(name);
        return name;
    }

    private static string CopyCli()
    {
        var directory = Directory.CreateTempSubdirectory("rpt-cli-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0x1ED); // 0755
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".dll", StringComparison.Ordinal) || name.StartsWith("rampart.", StringComparison.Ordinal))
            {
                var copy = Path.Combine(directory, name);
                File.Copy(file, copy);
                File.SetUnixFileMode(copy, (UnixFileMode)0x1A4); // 0644
            }
        }

        return directory;
    }
}
