using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Rampart.Store;

namespace Rampart.Agent.Tracing;

/// <summary>
/// Writes the agent's own log categories to the two trace files in <c>RAMPART_HOME/trace</c>: <c>Rampart.Ike.*</c>
/// to <c>ike.log</c>, every other <c>Rampart.*</c> category to <c>agent.log</c>, at Debug level and above.
/// Components log through ILogger as usual; whether a trace is on is a switch stored beside the files, so it
/// survives a restart. Messages never carry key material: the components log lengths and SPIs, never keys.
/// </summary>
public sealed class TraceFileLoggerProvider : ILoggerProvider
{
    public const long DefaultMaximumBytes = 4 * 1024 * 1024;
    private const string SettingsFileName = "settings.json";
    private readonly string _directory;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<TraceKind, TraceFile> _files;

    public TraceFileLoggerProvider(string home, long maximumBytes = DefaultMaximumBytes, TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        _directory = Path.Combine(home, AgentOptions.TraceDirectoryName);
        Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        StateDirectory.CheckSubdirectory(home, _directory);
        var enabled = ReadSettings();
        _files = Enum.GetValues<TraceKind>().ToDictionary(
            kind => kind,
            kind => new TraceFile(PathOf(kind), maximumBytes, enabled.GetValueOrDefault(kind, true)));
    }

    public string PathOf(TraceKind kind) => Path.Combine(_directory, kind == TraceKind.Ike ? "ike.log" : "agent.log");

    public bool IsEnabled(TraceKind kind) => _files[kind].Enabled;

    /// <summary>Lines of this trace dropped because its writer's queue was full (a flood faster than the disk).</summary>
    public long DroppedLines(TraceKind kind) => _files[kind].DroppedLines;

    public void SetEnabled(TraceKind kind, bool enabled)
    {
        _files[kind].Enabled = enabled;
        var settings = _files.ToDictionary(f => f.Key.ToString().ToLowerInvariant(), f => f.Value.Enabled);
        var path = Path.Combine(_directory, SettingsFileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(settings));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Writes every queued trace line to its file now (lines are otherwise written by background writers).</summary>
    public void Flush()
    {
        foreach (var file in _files.Values)
        {
            file.Flush();
        }
    }

    public ILogger CreateLogger(string categoryName) =>
        !categoryName.StartsWith("Rampart.", StringComparison.Ordinal)
            ? NullTraceLogger.Instance
            : new TraceLogger(this, _files[categoryName.StartsWith("Rampart.Ike", StringComparison.Ordinal) ? TraceKind.Ike : TraceKind.Agent], categoryName);

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Dispose();
        }
    }

    private Dictionary<TraceKind, bool> ReadSettings()
    {
        try
        {
            var json = File.ReadAllText(Path.Combine(_directory, SettingsFileName));
            var settings = JsonSerializer.Deserialize<Dictionary<string, bool>>(json) ?? [];
            return settings
                .Where(s => Enum.TryParse<TraceKind>(s.Key, ignoreCase: true, out _))
                .ToDictionary(s => Enum.Parse<TraceKind>(s.Key, ignoreCase: true), s => s.Value);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return [];
        }
    }

    private sealed class TraceLogger(TraceFileLoggerProvider provider, TraceFile file, string category) : ILogger
    {
        private readonly string _shortCategory = category["Rampart.".Length..];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug && logLevel != LogLevel.None && file.Enabled;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = new StringBuilder()
                .Append(provider._timeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture))
                .Append(' ').Append(Abbreviation(logLevel))
                .Append(' ').Append(_shortCategory).Append('[').Append(eventId.Id).Append("] ")
                .Append(formatter(state, exception));
            if (exception is not null)
            {
                line.Append(" | ").Append(exception.GetType().Name).Append(": ").Append(exception.Message);
            }

            file.WriteLine(line.ToString());
        }

        private static string Abbreviation(LogLevel level) => level switch
        {
            LogLevel.Trace => "TRC",
            LogLevel.Debug => "DBG",
            LogLevel.Information => "INF",
            LogLevel.Warning => "WRN",
            LogLevel.Error => "ERR",
            _ => "CRT",
        };
    }

    private sealed class NullTraceLogger : ILogger
    {
        public static readonly NullTraceLogger Instance = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
