/** The interface language setting: the system's language until the technician picks one. */
import { LANGUAGES, type Lang } from '../../../models/i18n';
import { languageChosen, setLanguage, systemLang, useI18n } from '../i18n';

/** Each language in its own words, so anyone can find theirs whatever is shown now. */
const NATIVE_NAME: Record<Lang, string> = { en: 'English', es: 'Español' };

export function LanguagePicker() {
  const { t, lang } = useI18n();
  const value = languageChosen() ? lang : 'system';
  return (
    <label className="language-picker">
      {t('app.language')}
      <select data-testid="language" value={value} onChange={(e) => setLanguage(e.target.value === 'system' ? null : (e.target.value as Lang))}>
        <option value="system">{t('app.languageSystem', { name: NATIVE_NAME[systemLang()] })}</option>
        {LANGUAGES.map((l) => (
          <option key={l} value={l} lang={l}>
            {NATIVE_NAME[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
