export const FIRST_NAMES = [
  'Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kira', 'Liam',
  'Maya', 'Noah', 'Olga', 'Priya', 'Quinn', 'Rafael', 'Sofia', 'Tariq', 'Uma', 'Victor', 'Wen', 'Yara', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Abbott', 'Bauer', 'Costa', 'Diaz', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen', 'Kowalski',
  'Lopez', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quist', 'Rossi', 'Singh', 'Tanaka', 'Urban', 'Varga',
  'Weber', 'Xu', 'Young', 'Zimmer',
] as const;

export const TITLE_WORDS = [
  'Silent', 'Harbor', 'Crimson', 'Echo', 'Midnight', 'Garden', 'Iron', 'Tide', 'Lost', 'Kingdom', 'Paper',
  'Moon', 'Broken', 'Signal', 'Golden', 'Hour', 'Northern', 'Lights', 'Last', 'Summer', 'Hidden', 'River',
  'Glass', 'City', 'Wild', 'Frontier', 'Quiet', 'Storm', 'Velvet', 'Road', 'Distant', 'Shore', 'Secret',
  'Orchard', 'Neon', 'Dreams', 'Winter', 'Crown', 'Falling', 'Stars',
] as const;

export const PROSE = [
  'a', 'the', 'family', 'detective', 'secret', 'journey', 'across', 'city', 'love', 'must', 'uncover',
  'forgotten', 'past', 'dangerous', 'friendship', 'island', 'mystery', 'discovers', 'war', 'between',
  'brothers', 'old', 'new', 'world', 'truth', 'before', 'time', 'runs', 'out', 'small', 'town', 'dark',
  'heist', 'unlikely', 'team', 'survive', 'winter', 'kingdom', 'rival', 'chef', 'ambitious', 'young',
  'scientist', 'strange', 'signal', 'ocean', 'memory', 'escape', 'home',
] as const;

export const GENRES = [
  'action', 'adventure', 'animation', 'comedy', 'crime', 'documentary', 'drama', 'family', 'fantasy',
  'horror', 'mystery', 'romance', 'sci-fi', 'thriller',
] as const;

export const MOODS = ['gritty', 'heartfelt', 'suspenseful', 'witty', 'dark', 'feel-good', 'epic', 'quirky'] as const;
export const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'ja', 'ko', 'pt', 'sv', 'hi'] as const;
export const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'ES', 'JP', 'KR', 'BR', 'SE', 'IN'] as const;
export const MOVIE_RATINGS = ['G', 'PG', 'PG-13', 'R', 'NC-17'] as const;
export const SERIES_RATINGS = ['TV-Y', 'TV-G', 'TV-PG', 'TV-14', 'TV-MA'] as const;
export const STUDIOS = ['Northlight Pictures', 'Blue Fern', 'Atlas Works', 'Kite Studios', 'Harborline'] as const;
export const CREW_JOBS = [
  'Director', 'Writer', 'Producer', 'Composer', 'Director of Photography', 'Editor', 'Costume Designer',
] as const;
