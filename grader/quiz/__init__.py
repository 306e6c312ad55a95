"""Knowledge-check quizzes: the question bank (`bank`), its answer functions
(`answers`), asking and scoring (`session`), rendering (`render`), export
(`export`) and the `neurograde quiz` command (`cli.quiz`)."""
